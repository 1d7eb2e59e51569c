"""Expected answer types, and whether a sentence holds a new value of that type."""

from __future__ import annotations

import pytest

from tracker_rag.answer.answer_types import (
    AnswerType,
    expected_answer_type,
    holds_new_answer,
)

NAME, QUANTITY, DATE, ANY = (
    AnswerType.NAME,
    AnswerType.QUANTITY,
    AnswerType.DATE,
    AnswerType.ANY,
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who leads Anthropic?", NAME),
        ("  who warned about conversational training?", NAME),
        ("Whose model was cloned?", NAME),
        ("Which company partnered with Amazon?", NAME),
        ("Which companies invest in domestic datasets?", NAME),
        ("What AI lab built Kimi K2.5?", NAME),
        ("Which government officials met Anthropic?", NAME),
        ("How much did the group spend on lobbying?", QUANTITY),
        ("How many sources does the article cite?", QUANTITY),
        ("How many companies signed the deal?", QUANTITY),
        ("What percentage of the market is held by OpenAI?", QUANTITY),
        ("What valuation does the institute have?", QUANTITY),
        ("How long is the context window?", QUANTITY),
        ("When was the article updated?", DATE),
        ("Which year is the article about?", DATE),
        ("In what year did the race start?", DATE),
        ("On which date did the chips ship?", DATE),
        ("What is tree search distillation?", ANY),
        ("What does GPT-5.4 emphasize?", ANY),
        ("Which model was cloned?", ANY),
        ("Why do experts want cryptographic provenance?", ANY),
    ],
)
def test_expected_answer_type_follows_the_question_word(
    question: str, expected: AnswerType
) -> None:
    assert expected_answer_type(question) is expected


def test_date_question_wins_over_a_name_noun() -> None:
    assert expected_answer_type("When did the company sign?") is DATE


def test_any_question_accepts_every_sentence() -> None:
    assert holds_new_answer(ANY, "What is it?", "no values here at all")


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        # A name the question lacks, in the middle of a sentence.
        ("Who leads the lab?", "The lab is led by Dario Amodei.", True),
        ("Who leads the lab?", "Since March, the lab is led by Amodei.", True),
        # Handles count even as a sentence's first word.
        (
            "Who notes that trust depends on attribution?",
            "As @danshipper notes, trust depends on attribution.",
            True,
        ),
        ("Who warned about agents?", "@akhaliq warns about agents.", True),
        # A sentence's first word and generic capitals are not names.
        ("Who leads the lab?", "The lab is led by its AI team.", False),
        ("Who runs the GPUs?", "Nobody runs the GPUs and the API.", False),
        ("Who leads the lab?", "It is led by the CEO.", False),
        # Names already in the question, also as possessives, are not new.
        ("Who met Pentagon officials?", "They met with Pentagon officials.", False),
        ("Who met Pentagon officials?", "Its CEO met the Pentagon’s officials.", False),
        ("Who met Pentagon’s officials?", "They met with Pentagon officials.", False),
        (
            "Which company partnered with OpenAI?",
            "The deal with OpenAI's team was signed by Amazon.",
            True,
        ),
        ("Who leads the lab?", "the lab is led by someone.", False),
    ],
)
def test_name_answer_needs_a_name_the_question_lacks(
    question: str, sentence: str, expected: bool
) -> None:
    assert holds_new_answer(NAME, question, sentence) is expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "How much did the group spend in 2025?",
            "In 2025 the group spent $2.81 million.",
            True,
        ),
        ("How much did the group spend in 2025?", "In 2025 it spent heavily.", False),
        ("How many sources are cited?", "The article cites 36 sources.", True),
        ("How many of the 36 sources are news?", "All 36 sources are news.", False),
        ("What share of the market?", "It holds 40% of the market.", True),
        ("How many labs joined?", "Three labs joined.", True),
        ("How big is the combined enterprise?", "It is worth $50 billion+.", True),
        ("How much was raised?", "Nothing was disclosed.", False),
    ],
)
def test_quantity_answer_needs_a_number_the_question_lacks(
    question: str, sentence: str, expected: bool
) -> None:
    assert holds_new_answer(QUANTITY, question, sentence) is expected


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("When was it updated?", "It was updated on Mar 16, 2026.", True),
        ("When was it updated?", "It was updated on March 16.", True),
        ("When did the chips ship?", "They shipped in Q3.", True),
        ("When was it announced?", "It was announced last week.", True),
        ("When was it updated?", "It was updated recently.", False),
        ("When in 2026 was it updated?", "It was updated in 2026.", False),
        ("Which year did the 2020s race start?", "The 2020s race began.", False),
    ],
)
def test_date_answer_needs_a_date_the_question_lacks(
    question: str, sentence: str, expected: bool
) -> None:
    assert holds_new_answer(DATE, question, sentence) is expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Who announced the deal?", "OpenAI CEO Sam Altman announced the deal."),
        (
            "Which organization is valued at about $380 billion?",
            "The Anthropic Institute now boasts a valuation of approximately "
            "$380 billion.",
        ),
    ],
)
def test_names_after_the_first_word_of_a_sentence_count(
    question: str, sentence: str
) -> None:
    assert holds_new_answer(NAME, question, sentence)
