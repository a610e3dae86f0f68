package ekt.train;

/**
 * One (prompt, completion) pair as token ids. The model sees prompt followed by completion;
 * the prompt length only matters for {@link TrainConfig.Mask#COMPLETION_ONLY}. The arrays are
 * not copied: do not modify them afterwards.
 */
public record TrainingExample(String id, int[] prompt, int[] completion) {
    public TrainingExample {
        if (id == null || prompt == null || completion == null) throw new IllegalArgumentException("id, prompt and completion are required");
    }

    public int length() {
        return prompt.length + completion.length;
    }
}
