"""Eligibility: conditions read from the documents at ingest, enterprise profiles, and the check
of a profile against the conditions of each measure (符合 / 不符合 / 需要补充信息), every condition cited.

``extract`` (ingest) -> ``Measure`` with typed ``Condition``s; ``profile`` -> ``Profile``;
``check`` -> ``MeasureResult``; ``composer`` plugs the check into the chat.
"""
