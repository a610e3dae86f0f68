package ekt.serve;

import ekt.core.Sampler;
import ekt.core.TokenEvent;
import ekt.sample.ServingEngine;
import ekt.serve.http.Exchange;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The choices of one request, drawn by the engine: its prompts join the running batch together,
 * their tokens are turned into {@link ChoiceText}s as they arrive, and all of them are cancelled
 * together when the client leaves. Choice {@code p * samples + j} is sample j of prompt p.
 */
final class ChoiceRun {
    /** Called on the request's thread for each choice that has something new to release. */
    interface Listener {
        void advanced(int choice, ChoiceText text) throws IOException;
    }

    private record Item(int prompt, TokenEvent event, RuntimeException error) {
    }

    /** The random-stream key of every prompt: the engine's key for a prompt with id "0". */
    static final long PROMPT_KEY = Sampler.keyOf("0");

    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final List<ServingEngine.Ticket> tickets = new ArrayList<>();
    final ChoiceText[] choices;
    private final int samples;

    /**
     * Submits every prompt. All are keyed alike, so with a seed a prompt draws the same samples
     * wherever it stands in the list and whichever request it comes in (as with vLLM's seed).
     *
     * @throws ApiError 429 when the engine is full (nothing stays submitted)
     */
    ChoiceRun(ServingEngine engine, List<int[]> prompts, int samples, int topLogprobs, String optionsJson,
              java.util.function.Supplier<ChoiceText> newChoice) {
        this.samples = samples;
        this.choices = new ChoiceText[prompts.size() * samples];
        for (int i = 0; i < choices.length; i++) choices[i] = newChoice.get();
        try {
            for (int p = 0; p < prompts.size(); p++) {
                final int prompt = p;
                tickets.add(engine.submit(prompts.get(p), PROMPT_KEY, optionsJson, samples, topLogprobs,
                        new ServingEngine.Listener() {
                            @Override
                            public void token(TokenEvent event) {
                                queue.add(new Item(prompt, event, null));
                            }

                            @Override
                            public void failed(RuntimeException error) {
                                queue.add(new Item(prompt, null, error));
                            }
                        }));
            }
        } catch (ServingEngine.Busy e) {
            cancel();
            throw new ApiError(429, "rate_limit_error", e.getMessage(), null, null);
        }
    }

    void cancel() {
        tickets.forEach(ServingEngine.Ticket::cancel);
    }

    /**
     * Waits for every choice to finish, reporting progress; stops early (cancelling the rest)
     * when the client disconnects. False when it did.
     */
    boolean await(Exchange exchange, Listener progress) throws IOException {
        int unfinished = choices.length;
        try (Exchange.Watch watch = exchange.watchClient(this::cancel)) {
            while (unfinished > 0) {
                Item item = queue.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (watch.clientGone()) return false;
                if (item == null) continue;
                if (item.error() != null) {
                    cancel();
                    throw item.error();
                }
                int choice = item.prompt() * samples + item.event().sample();
                ChoiceText c = choices[choice];
                c.add(item.event());
                if (c.done()) unfinished--;
                progress.advanced(choice, c);
            }
            return true;
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | RuntimeException e) {
            cancel();
            throw e;
        }
    }
}
