package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * GPT-2's original tokenizer files: vocab.json (token to id) and merges.txt (one "left right" merge a
 * line, best first, after an optional "#version" line). {@link Tokenizer#END_OF_TEXT} in the vocabulary
 * is the one special token, as in Hugging Face's GPT2Tokenizer.
 */
final class VocabAndMergesFiles {

    private VocabAndMergesFiles() {
    }

    static ByteLevelBpe read(Path vocabJson, Path mergesTxt) {
        VocabularyBuilder builder = new VocabularyBuilder();
        readVocabulary(vocabJson, builder);
        readMerges(mergesTxt, builder);
        builder.id(Tokenizer.END_OF_TEXT).ifPresent(id -> builder.added(Tokenizer.END_OF_TEXT, id, true, vocabJson, Tokenizer.END_OF_TEXT));
        return builder.build(true, vocabJson);
    }

    private static void readVocabulary(Path file, VocabularyBuilder builder) {
        try (JsonParser parser = Json.MAPPER.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw TokenizerException.inFile(file, "top level", "expected a JSON object of token to id");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String token = parser.currentName();
                String entry = "entry \"" + token + "\"";
                if (parser.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw TokenizerException.inFile(file, entry, "id is not an integer: " + parser.getText());
                }
                builder.token(token, parser.getIntValue(), file, entry);
            }
        } catch (JsonProcessingException e) {
            throw TokenizerException.inFile(file, "not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw TokenizerException.inFile(file, "cannot read: " + e, e);
        }
    }

    private static void readMerges(Path file, VocabularyBuilder builder) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isEmpty() || lineNumber == 1 && line.startsWith("#version")) continue;
                String[] pair = line.split(" ", -1);
                String entry = "line " + lineNumber;
                if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                    throw TokenizerException.inFile(file, entry, "expected two symbols separated by one space, got '" + line + "'");
                }
                builder.merge(pair[0], pair[1], file, entry);
            }
        } catch (IOException e) {
            throw TokenizerException.inFile(file, "cannot read: " + e, e);
        }
    }
}
