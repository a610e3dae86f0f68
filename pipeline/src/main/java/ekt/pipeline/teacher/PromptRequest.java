package ekt.pipeline.teacher;

/** A prompt to complete; {@code id} keys the sample streams (reproducible by id). */
public record PromptRequest(String id, String prompt) {
}
