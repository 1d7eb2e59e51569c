"""The chat page: questions, streamed cited answers, sources, filters, feedback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from tracker_rag.answer.answer_events import AnswerDone
from tracker_rag.api.context import AppContext
from tracker_rag.dates import parse_date
from tracker_rag.domain import Filters
from tracker_rag.errors import TrackerRagError
from tracker_rag.feedback import FeedbackEntry
from tracker_rag.ui.source_panel import EMPTY_PANEL, render_sources

logger = logging.getLogger(__name__)

ALL_TOPICS = "All topics"
UI_ASSETS = Path(__file__).resolve().parents[3] / "ui"
EXAMPLES = [
    "What is the Anthropic Institute valued at?",
    "Which model did OpenAI launch, and what is it for?",
    "What do glass substrate AI chips promise?",
    "Who supports the ShinkaEvolve project?",
]
State = dict[str, Any]


def empty_state() -> State:
    """The conversation kept in the browser: messages and one turn per answer."""
    return {"messages": [], "turns": []}


def _filters(topic: str | None, as_of: str) -> Filters:
    chosen = None if not topic or topic == ALL_TOPICS else topic
    date = parse_date(as_of, what="as-of date") if as_of.strip() else None
    return Filters(topic=chosen, as_of=date)


class ChatHandlers:
    """The functions behind the page's events, bound to one app context."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def topic_choices(self) -> Any:
        """Refresh the topic list from the index when the page loads."""
        service = self._context.service
        topics = service.topics() if service.is_ready()[0] else []
        return gr.update(choices=[ALL_TOPICS, *topics])

    def restore(self, saved: State | None) -> tuple[list[dict[str, Any]], str, State]:
        """Show the conversation kept in the browser after a reload."""
        state = (
            saved if isinstance(saved, dict) and "messages" in saved else empty_state()
        )
        turns = state.get("turns") or []
        panel = turns[-1]["sources_html"] if turns else EMPTY_PANEL
        return state["messages"], panel, state

    def respond(
        self, question: str, topic: str | None, as_of: str, saved: State | None
    ) -> Iterator[tuple[list[dict[str, Any]], str, State, str]]:
        """Answer, streaming the text piece by piece, then show its sources."""
        state = (
            saved if isinstance(saved, dict) and "messages" in saved else empty_state()
        )
        messages = [*state["messages"], {"role": "user", "content": question}]
        panel = state["turns"][-1]["sources_html"] if state["turns"] else EMPTY_PANEL
        shown = ""
        answer = None
        try:
            for event in self._context.service.ask_events(
                question, _filters(topic, as_of)
            ):
                if isinstance(event, AnswerDone):
                    answer = event.answer
                    break
                shown += event.text
                yield (
                    [*messages, {"role": "assistant", "content": shown}],
                    panel,
                    state,
                    "",
                )
        except TrackerRagError as exc:
            messages.append({"role": "assistant", "content": f"\u26a0\ufe0f {exc}"})
            turn: dict[str, Any] = {
                "question": question,
                "answer": str(exc),
                "citations": [],
                "sources_html": panel,
            }
            yield (
                messages,
                panel,
                {"messages": messages, "turns": [*state["turns"], turn]},
                "",
            )
            return
        assert answer is not None
        self._context.metrics.observe_answer(answer.abstained)

        messages.append({"role": "assistant", "content": answer.answer})
        panel = render_sources(answer)
        turn = {
            "question": answer.question,
            "answer": answer.answer,
            "citations": [c.model_dump(mode="json") for c in answer.citations],
            "sources_html": panel,
        }
        yield (
            messages,
            panel,
            {"messages": messages, "turns": [*state["turns"], turn]},
            "",
        )

    def vote(self, data: gr.LikeData, saved: State | None) -> None:
        """Store a thumbs up or down on an answer."""
        if not isinstance(saved, dict) or not saved.get("messages"):
            return
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        messages = saved["messages"]
        answers_before = sum(1 for m in messages[:index] if m["role"] == "assistant")
        if not 0 <= answers_before < len(saved["turns"]):
            return
        turn = saved["turns"][answers_before]
        liked = data.liked if isinstance(data.liked, bool) else data.liked == "Like"
        self._context.feedback.add(
            FeedbackEntry(
                vote="up" if liked else "down",
                question=turn["question"],
                answer=turn["answer"],
                citations=turn["citations"],
            )
        )
        gr.Info("Thank you: your vote was saved.")


def build_chat_ui(context: AppContext) -> gr.Blocks:
    """The Blocks of the chat page."""
    handlers = ChatHandlers(context)
    with gr.Blocks(title="Tracker RAG") as page:
        saved = gr.BrowserState(empty_state(), storage_key="tracker-rag-conversation")
        gr.Markdown(
            "# Tracker RAG\nAsk about the LLM Insight Tracker. Every answer cites "
            "the exact passages it comes from; when the tracker does not say, "
            "neither do we."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    height=520,
                    elem_id="tr-chat",
                    buttons=["copy"],
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question about the tracker…",
                        show_label=False,
                        scale=5,
                        elem_id="tr-question",
                        max_length=context.settings.max_question_chars,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="tr-ask")
                with gr.Row():
                    topic = gr.Dropdown(
                        [ALL_TOPICS],
                        value=ALL_TOPICS,
                        label="Topic",
                        elem_id="tr-topic",
                    )
                    as_of = gr.Textbox(
                        label="As of (YYYY-MM-DD)",
                        placeholder="any date",
                        elem_id="tr-as-of",
                    )
                gr.Examples(EXAMPLES, inputs=[question], label="Try")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(EMPTY_PANEL, elem_id="tr-sources")

        outputs = [chatbot, sources, saved, question]
        inputs = [question, topic, as_of, saved]
        question.submit(handlers.respond, inputs, outputs)
        ask.click(handlers.respond, inputs, outputs)
        chatbot.like(handlers.vote, [saved], None)
        page.load(handlers.restore, [saved], [chatbot, sources, saved])
        page.load(handlers.topic_choices, None, [topic])
    blocks: gr.Blocks = page
    return blocks


def mount_chat_ui(app: FastAPI, context: AppContext, path: str) -> None:
    """Serve the chat page under `path` on the app."""
    stylesheet = UI_ASSETS / "styles.css"
    gr.mount_gradio_app(
        app,
        build_chat_ui(context),
        path=path,
        css_paths=[stylesheet] if stylesheet.exists() else None,
        footer_links=[],
    )
