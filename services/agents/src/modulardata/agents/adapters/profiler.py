"""The profiler's token-budgeted summary, with personal data masked, as the crew's view."""

from __future__ import annotations

import pandas as pd

from modulardata.profiling.profile import generate_profile
from modulardata.profiling.prompt import to_prompt


def profile_summary(frame: pd.DataFrame, max_tokens: int) -> str:
    """The profile of `frame` as prompt text; emails and phone numbers are masked."""
    return to_prompt(generate_profile(frame), max_tokens, mask_pii=True)
