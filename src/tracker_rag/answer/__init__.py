"""Answer: pick cited passages, decide whether to abstain, build answer objects."""
