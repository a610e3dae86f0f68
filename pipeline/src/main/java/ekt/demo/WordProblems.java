package ekt.demo;

import ekt.data.Problem;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Procedural GSM8k-style arithmetic word problems for the offline demo: a person, an item, a
 * starting amount and 1-4 reasoning steps (add, take away, multiply, share, price), each with
 * several phrasings. Every problem has an integer answer and, for the teacher's own training
 * source only, a program in the paper's style ({@code n0 = 12.0}, {@code t0 = n0 + n1},
 * {@code answer = ...}). The student side only ever sees (question, answer).
 */
public final class WordProblems {
    /**
     * A generated problem.
     *
     * @param question the word problem's text
     * @param answer   its integer answer
     * @param program  a program computing it in the paper's style; used only to train the demo's teacher
     */
    public record Generated(String question, long answer, String program) {
    }

    private static final String[][] PEOPLE = {{"Mia", "she", "her"}, {"Leo", "he", "his"}, {"Ava", "she", "her"},
            {"Noah", "he", "his"}, {"Zoe", "she", "her"}, {"Omar", "he", "his"}, {"Lily", "she", "her"}, {"Sam", "he", "his"},
            {"Ivy", "she", "her"}, {"Ben", "he", "his"}, {"Nora", "she", "her"}, {"Raj", "he", "his"}};
    private static final String[] ITEMS = {"apples", "marbles", "stickers", "books", "cookies", "pencils", "stamps",
            "shells", "cards", "eggs", "coins", "flowers"};
    private static final String[] FRIENDS = {"friend", "neighbor", "classmate", "cousin"};

    private WordProblems() {
    }

    /** {@code count} distinct problems from {@code seed}, none of whose questions is in {@code exclude}. */
    public static List<Generated> generate(long seed, int count, Set<String> exclude) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Set<String> seen = new HashSet<>(exclude);
        List<Generated> out = new ArrayList<>();
        while (out.size() < count) {
            Generated g = one(rnd);
            if (seen.add(g.question())) out.add(g);
        }
        return out;
    }

    /** The same problems as weakly supervised records: ids {@code prefix + i}, answers only. */
    public static List<Problem> asProblems(List<Generated> generated, String idPrefix) {
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < generated.size(); i++) out.add(new Problem(idPrefix + i, i, generated.get(i).question(), generated.get(i).answer()));
        return out;
    }

    static Generated one(SplittableRandom rnd) {
        String[] who = PEOPLE[rnd.nextInt(PEOPLE.length)];
        String item = ITEMS[rnd.nextInt(ITEMS.length)];
        Story s = new Story(who, item);
        long start = 5 + rnd.nextInt(60);
        switch (rnd.nextInt(3)) {
            case 0 -> s.say(who[0] + " has " + s.number(start) + " " + item + ".");
            case 1 -> s.say(who[0] + " collected " + s.number(start) + " " + item + " on Monday.");
            default -> s.say("There are " + s.number(start) + " " + item + " in " + who[0] + "'s box.");
        }
        s.value = start;
        s.current = "n0";
        int steps = 1 + rnd.nextInt(4);
        for (int i = 0; i < steps; i++) step(s, rnd, i == steps - 1);
        return new Generated(s.text.toString().trim(), s.value, s.constants.toString() + s.steps);
    }

    private static void step(Story s, SplittableRandom rnd, boolean last) {
        String he = s.who[1], his = s.who[2], item = s.item;
        int kind = rnd.nextInt(last ? 6 : 5);
        if (kind == 4 && s.value % 2 == 1) kind = 0;  // halving needs an even amount
        switch (kind) {
            case 0 -> {
                long b = 2 + rnd.nextInt(30);
                String n = s.number(b);
                s.say(pick(rnd, cap(he) + " buys " + n + " more " + item + ".", cap(his) + " " + FRIENDS[rnd.nextInt(FRIENDS.length)] + " gives " + him(s) + " " + n + " " + item + ".", cap(he) + " finds another " + n + " " + item + "."));
                s.apply("+", s.nVar(), s.value + b, last);
            }
            case 1 -> {
                if (s.value < 3) {
                    step(s, rnd, last);
                    return;
                }
                long b = 1 + rnd.nextInt((int) Math.min(s.value - 1, 40));
                String n = s.number(b);
                s.say(pick(rnd, cap(he) + " gives " + n + " " + item + " to a " + FRIENDS[rnd.nextInt(FRIENDS.length)] + ".",
                        cap(he) + " loses " + n + " of them.", cap(he) + " uses " + n + " " + item + " for a project."));
                s.apply("-", s.nVar(), s.value - b, last);
            }
            case 2 -> {
                if (s.value > 300) {
                    step(s, rnd, last);
                    return;
                }
                long k = 2 + rnd.nextInt(4);
                if (rnd.nextBoolean()) {
                    s.say("Then " + he + " ends up with " + s.number(k) + " times as many " + item + " as before.");
                    s.apply("*", s.nVar(), s.value * k, last);
                } else {
                    String word = k == 2 ? "doubles" : k == 3 ? "triples" : null;
                    if (word == null) {
                        s.say("Then " + he + " ends up with " + s.number(k) + " times as many " + item + " as before.");
                        s.apply("*", s.nVar(), s.value * k, last);
                    } else {
                        s.say("Then " + he + " " + word + " the number of " + item + " " + he + " has.");
                        s.apply("*", k + ".0", s.value * k, last);
                    }
                }
            }
            case 3 -> {
                List<Long> divisors = new ArrayList<>();
                for (long d = 2; d <= 8; d++) if (s.value % d == 0 && s.value / d >= 1) divisors.add(d);
                if (divisors.isEmpty()) {
                    step(s, rnd, last);
                    return;
                }
                long d = divisors.get(rnd.nextInt(divisors.size()));
                s.say(cap(he) + " splits them equally into " + s.number(d) + " bags and keeps one bag.");
                s.apply("/", s.nVar(), s.value / d, last);
            }
            case 4 -> {
                s.say(cap(he) + " gives away half of them.");
                s.apply("/", "2.0", s.value / 2, last);
            }
            default -> {
                long price = 2 + rnd.nextInt(9);
                s.say("Each of the " + item + " sells for $" + s.number(price) + ".");
                s.apply("*", s.nVar(), s.value * price, true);
                s.say("How much money does " + s.who[0] + " get for all of " + his + " " + item + "?");
                return;
            }
        }
        if (last) s.say(pick(rnd, "How many " + item + " does " + s.who[0] + " have now?", "How many " + item + " are left in the end?",
                "How many " + item + " does " + he + " have at the end?"));
    }

    private static String him(Story s) {
        return s.who[1].equals("she") ? "her" : "him";
    }

    private static String pick(SplittableRandom rnd, String... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The question being written and its program, in step. */
    private static final class Story {
        final String[] who;
        final String item;
        // The paper's programs list every constant first (n0, n1, ...), then the temporaries.
        final StringBuilder text = new StringBuilder(), constants = new StringBuilder(), steps = new StringBuilder();
        int numbers, temps;
        long value;
        String current;

        Story(String[] who, String item) {
            this.who = who;
            this.item = item;
        }

        void say(String sentence) {
            text.append(sentence).append(' ');
        }

        /** Mentions a number in the question: it becomes the next n-constant of the program. */
        String number(long v) {
            constants.append("n").append(numbers++).append(" = ").append(v).append(".0\n");
            return Long.toString(v);
        }

        String nVar() {
            return "n" + (numbers - 1);
        }

        void apply(String op, String operand, long newValue, boolean last) {
            String expr = current + " " + op + " " + operand;
            if (last) {
                steps.append("answer = ").append(expr).append('\n');
            } else {
                current = "t" + temps++;
                steps.append(current).append(" = ").append(expr).append('\n');
            }
            value = newValue;
        }
    }
}
