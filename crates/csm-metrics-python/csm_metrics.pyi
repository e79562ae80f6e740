"""Type stubs of the csm_metrics extension module."""

from typing import Any, Iterable, Mapping, Optional

Record = Mapping[str, Any]
Snapshot = dict[str, Any]

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
