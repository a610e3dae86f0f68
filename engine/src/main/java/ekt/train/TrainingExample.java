package ekt.train;

/**
 * One (prompt, completion) pair as token ids. The model sees prompt followed by completion;
 * the prompt length only matters for {@link TrainConfig.Mask#COMPLETION_ONLY}. The arrays are
 * not copied: do not modify them afterwards.
 *
 * @param id         names the example in errors and in the data fingerprint
 * @param prompt     the prompt's token ids (may be empty)
 * @param completion the completion's token ids (may be empty, but not both)
 */
public record TrainingExample(String id, int[] prompt, int[] completion) {
    /** @throws IllegalArgumentException if a component is null */
    public TrainingExample {
        if (id == null || prompt == null || completion == null) throw new IllegalArgumentException("id, prompt and completion are required");
    }

    /** @return prompt plus completion tokens */
    public int length() {
        return prompt.length + completion.length;
    }
}
