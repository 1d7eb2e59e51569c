"""Sentence splitting with character spans into the original text."""

from __future__ import annotations

import pytest

from tracker_rag.ingest.sentences import sentence_spans


def sentences(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, start, end)]


def test_spans_are_exact_offsets_into_the_text() -> None:
    text = "  OpenAI launched a model.   Amazon invested!\n\nWhy now?  "

    spans = sentence_spans(text)

    assert [text[a:b] for a, b in spans] == [
        "OpenAI launched a model.",
        "Amazon invested!",
        "Why now?",
    ]
    assert spans[0] == (2, 26)


def test_spans_are_stripped_ordered_and_do_not_overlap() -> None:
    text = "One.  Two!\tThree?\n\nFour… Five"

    spans = sentence_spans(text)

    assert all(text[a:b] == text[a:b].strip() and a < b for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    assert sentences(text) == ["One.", "Two!", "Three?", "Four…", "Five"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He met Mr. Smith in the U.S. on Monday. Then he left.",
            ["He met Mr. Smith in the U.S. on Monday.", "Then he left."],
        ),
        (
            "Labs, e.g. Anthropic, grew. Others i.e. Meta did not.",
            ["Labs, e.g. Anthropic, grew.", "Others i.e. Meta did not."],
        ),
        (
            "Dr. Amodei spoke on Mar. 16 at the U.N. Assembly. It went well.",
            ["Dr. Amodei spoke on Mar. 16 at the U.N. Assembly.", "It went well."],
        ),
        (
            "Plan B. Nobody liked it.",
            ["Plan B. Nobody liked it."],
        ),
    ],
)
def test_abbreviations_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "OpenAI launched GPT-5.4. It reasons better.",
            ["OpenAI launched GPT-5.4.", "It reasons better."],
        ),
        (
            "The group spent $2.81 million. Lobbying grew 3.5% in 2025. Done.",
            ["The group spent $2.81 million.", "Lobbying grew 3.5% in 2025.", "Done."],
        ),
        (
            "Claude Opus 4.6 shipped. Kimi K2.5 followed.",
            ["Claude Opus 4.6 shipped.", "Kimi K2.5 followed."],
        ),
    ],
)
def test_decimals_and_version_numbers_stay_inside_a_sentence(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('She said "Go now." Then she left.', ['She said "Go now."', "Then she left."]),
        (
            "He wrote “It works.” Nobody agreed.",
            ["He wrote “It works.”", "Nobody agreed."],
        ),
        ("(It was late.) The deal closed.", ["(It was late.)", "The deal closed."]),
        ('It ended. "Really?" she asked.', ["It ended.", '"Really?" she asked.']),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Version 5.4 is out. next week we test it.",
        "Use the API.it is fast.",
    ],
)
def test_no_split_without_space_and_a_capital_after_the_stop(text: str) -> None:
    assert sentences(text) == [text]


def test_sentences_may_start_with_handles_digits_and_currency() -> None:
    text = "It rose. @akhaliq warned. 2026 began. $50 billion was raised."

    assert sentences(text) == [
        "It rose.",
        "@akhaliq warned.",
        "2026 began.",
        "$50 billion was raised.",
    ]


def test_sub_range_spans_never_cross_the_given_end() -> None:
    text = "First one. Second one. Third one."
    end = text.index("Third") - 1

    spans = sentence_spans(text, 0, end)

    assert [text[a:b] for a, b in spans] == ["First one.", "Second one."]
    assert spans[-1][1] <= end


def test_sub_range_cut_mid_sentence_keeps_the_cut_piece_inside_the_range() -> None:
    text = "First one. Second one. Third one."
    end = text.index("one.", 11)

    spans = sentence_spans(text, 0, end)

    assert [text[a:b] for a, b in spans] == ["First one.", "Second"]
    assert all(b <= end for _, b in spans)


def test_sub_range_offsets_stay_relative_to_the_whole_text() -> None:
    text = "Heading line\n\nA first sentence. A second one.\n\nNext block."
    start = text.index("A first")
    end = text.index("\n\nNext")

    spans = sentence_spans(text, start, end)

    assert spans == [(start, start + 17), (start + 18, end)]
    assert [text[a:b] for a, b in spans] == ["A first sentence.", "A second one."]


def test_range_boundary_does_not_depend_on_the_text_after_it() -> None:
    alone = "It ended."
    followed = alone + " Next sentence."

    assert sentence_spans(followed, 0, len(alone)) == sentence_spans(alone)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert sentence_spans(text) == []


def test_text_without_final_stop_is_one_sentence() -> None:
    assert sentences("A heading without a stop") == ["A heading without a stop"]
