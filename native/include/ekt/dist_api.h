/*
 * Data-parallel process group (libtorch c10d; see api.h for the error conventions). One per
 * process, like torch.distributed's default group: once created, ekt_trainer steps run data
 * parallel over it (each rank computes its share of every effective batch; gradients are
 * all-reduced before the optimizer step). Ranks start under torchrun or srun, or with the same
 * variables set by hand: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (or Slurm's
 * SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), EKT_DIST_TIMEOUT (seconds), EKT_DIST_BACKEND.
 */
#ifndef EKT_DIST_API_H
#define EKT_DIST_API_H

#include "ekt/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* JSON of the options the environment gives (rank, world_size, local_rank, master_addr,
 * master_port, backend, timeout_s, ...), with the fields of options_json over them; NULL on
 * failure (a malformed variable). Creates nothing: world_size 1 means a single-process run. */
EKT_API const char* ekt_dist_resolve(const char* options_json);

/* Creates the process's group from those options (rendezvous with the other ranks, at most
 * timeout_s). Fails if one exists already. */
EKT_API int ekt_dist_init(const char* options_json);

/* Destroys the process's group (no-op without one). A group whose collective failed is abandoned
 * instead: its threads may wait on a hung peer for good, so they are left to the process's exit. */
EKT_API void ekt_dist_shutdown(void);

/* Blocks until every rank reached `stage`; fails naming the ranks that died or hung. */
EKT_API int ekt_dist_barrier(const char* stage);

/* Fails on every rank unless all ranks passed the same value for `what`. */
EKT_API int ekt_dist_check_same(const char* what, const char* value);

/* JSON: the group's options, and time spent in all-reduces (reduce_seconds, reduces). */
EKT_API const char* ekt_dist_info(void);

#ifdef __cplusplus
}
#endif

#endif
