"""Type stubs of the csm_metrics extension module."""

import os
from typing import Any, Iterable, Mapping, Optional, Union

Record = Mapping[str, Any]
Snapshot = dict[str, Any]
# Anything with the Arrow PyCapsule interface (__arrow_c_stream__ / __arrow_c_array__): a
# pyarrow Table or RecordBatch, a Polars DataFrame, a pandas DataFrame (2.2+; older ones
# through pyarrow.table()).
ArrowTable = Any
# A calendar or SLA spec: its JSON value (a dict), its JSON text, or a file's path.
Spec = Union[Mapping[str, Any], str, "os.PathLike[str]"]

__version__: str

class CsmMetricsError(Exception):
    """A record, state or setting the crate refuses; the message names the record and the rule."""

class _Calculator:
    def __init__(self) -> None: ...
    def observe(self, record: Record) -> None: ...
    def observe_all(self, records: Iterable[Record]) -> int: ...
    def merge(self, other: "_Calculator") -> None: ...
    def snapshot(self) -> Snapshot: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "_Calculator": ...

class NetPromoterScore(_Calculator): ...
class CustomerSatisfaction(_Calculator): ...
class CustomerEffortScore(_Calculator): ...
class EmployeeNetPromoterScore(_Calculator): ...
class SurveySuite(_Calculator): ...
class CallCenter(_Calculator): ...
class Patience(_Calculator): ...

class TicketTracker:
    """The ticket lifecycle, overall and per team (business time with a calendar)."""
    def __init__(self, calendar: Optional[Spec] = None) -> None: ...
    def observe_ticket(self, ticket: Record) -> None: ...
    def observe_interaction(self, interaction: Record) -> None: ...
    def merge(self, other: "TicketTracker") -> None: ...
    def snapshot(self, as_of: Optional[str] = None) -> Snapshot: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "TicketTracker": ...
    def in_play(self) -> int: ...

class SlaTracker:
    """SLA attainment per policy target, overall and per team, on the ticket engine."""
    def __init__(self, sla: Spec, calendar: Optional[Spec] = None) -> None: ...
    def observe_ticket(self, ticket: Record) -> None: ...
    def observe_interaction(self, interaction: Record) -> None: ...
    def merge(self, other: "SlaTracker") -> None: ...
    def snapshot(self, as_of: Optional[str] = None) -> Snapshot: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "SlaTracker": ...
    def in_play(self) -> int: ...

def agents_needed(
    contacts: float,
    aht_seconds: float,
    interval_seconds: float = 1800.0,
    service_level: float = 0.8,
    answer_seconds: float = 20.0,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
    patience: Optional[float] = None,
) -> Snapshot: ...

def plan(
    forecast: Iterable[Record],
    interval_seconds: int = 1800,
    service_level: float = 0.8,
    answer_seconds: float = 20.0,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
    patience: Optional[float] = None,
    concurrency: int = 1,
) -> Snapshot: ...

def report_files(
    path: str,
    source: str = "csv",
    threads: int = 1,
    calendar: Optional[str] = None,
    zone: Optional[str] = None,
    group_by: Optional[list[str]] = None,
    window: Optional[str] = None,
    as_of: Optional[str] = None,
    sla: Optional[str] = None,
    mapping: Optional[str] = None,
) -> Snapshot: ...

def report(
    tickets: ArrowTable,
    events: ArrowTable,
    surveys: Optional[ArrowTable] = None,
    calls: Optional[ArrowTable] = None,
    calendar: Optional[Spec] = None,
    *,
    threads: int = 1,
    zone: Optional[str] = None,
    group_by: Optional[list[str]] = None,
    window: Optional[str] = None,
    as_of: Optional[str] = None,
    sla: Optional[Spec] = None,
    group_sla: Optional[Spec] = None,
) -> Snapshot:
    """The replay report (the `csm-metrics report` JSON as a dict) of a history held as
    Arrow tables in memory, in the history format's columns; instants as Unix seconds or
    timestamps. Raises CsmMetricsError with the crate's message for a table or spec it
    refuses; rows that break a rule are counted in report["input"]["rejected"]."""

def tables(report: Snapshot) -> dict[str, Any]:
    """A report's figures as tables (pyarrow.Table where pyarrow is installed): "overall",
    each "by_team"/"by_channel"/"by_window"…, "sla", "group_sla", "surveys", "calls",
    "input"; a row per group, nested figures as columns named by path
    ("first_response.p50")."""
