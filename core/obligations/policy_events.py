"""Recording the events a jurisdiction's plugin declares (``caseload_events``): one generic mutation.

A county's notice speaks of things the core does not see happen — the county government office
sent a 督促函, a unit was criticised in the bulletin. The plugin declares each as a
:class:`core.policy.types.PolicyEvent` with typed attributes; :func:`record_policy_event` checks a
recorded one against that declaration (every error names ``attributes.<name>`` in Chinese and
English), checks the subject is a record of the jurisdiction the caller may see, audits it and emits
it through the obligation engine like a core event, so rules trigger on it and are met by it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.audit.service import record as audit
from core.common import get_visible, require_not_future
from core.context import ServiceContext
from core.errors import ValidationFailed
from core.obligations.engine import emit_recorded
from core.obligations.models import Obligation
from core.policy.types import AttributeType, DeclaredKind, Event, EventAttribute, EventSubject, PolicyEvent
from core.scoping import authorize

ACTION = "policy_event.record"
TEXT_MAX = 200


@dataclass(frozen=True)
class RecordedPolicyEvent:
    """What ``recordPolicyEvent`` answers: the stored event and the obligations it created."""

    id: int
    jurisdiction_id: int
    kind: str
    title_zh: str
    subject_type: str
    subject_id: int
    unit_id: int | None
    day: dt.date
    attributes: dict[str, Any]
    obligations: list[Obligation]


def _subject_models() -> dict[EventSubject, tuple[type[Any], str]]:
    from core.cases.models import Hearing, LitigationCase, ReconsiderationCase
    from core.disputes.models import Dispute
    from core.org.models import Unit

    return {
        EventSubject.HEARING: (Hearing, "庭审"),
        EventSubject.LITIGATION_CASE: (LitigationCase, "诉讼案件"),
        EventSubject.DISPUTE: (Dispute, "行政争议"),
        EventSubject.RECONSIDERATION_CASE: (ReconsiderationCase, "复议案件"),
        EventSubject.UNIT: (Unit, "单位"),
    }


async def record_policy_event(
    ctx: ServiceContext,
    jurisdiction_id: int,
    *,
    kind: str,
    subject_id: int | None,
    on: dt.date,
    attributes: Mapping[str, Any] | None = None,
) -> RecordedPolicyEvent:
    """Record one event the jurisdiction's plugin declared, and apply it to the obligations.

    ``kind`` is the declaration's code; ``subject_id`` the record it is about (of the declared
    subject type; omitted for a jurisdiction-wide event); ``on`` the day it happened (not in the
    future); ``attributes`` the declared attributes by name (dates as ISO strings).
    """
    authorize(ctx.principal, ACTION, jurisdiction_id, None)
    policy = await ctx.policy(jurisdiction_id)
    declared = policy.declared_events.get(kind)
    if declared is None:
        known = "、".join(f"{e.code}（{e.title_zh}）" for e in policy.declared_events.values()) or "无"
        raise ValidationFailed(
            "kind",
            f"本辖区的政策未声明事件类型“{kind}”（已声明：{known}）",
            f"the jurisdiction's plugin declares no event kind {kind!r}",
            "unknown_kind",
        )
    require_not_future(on, ctx.today(), "date", "发生日期")
    subject_type, subject, unit_id = await _subject(ctx, jurisdiction_id, declared, subject_id)
    authorize(ctx.principal, ACTION, jurisdiction_id, unit_id)
    values = check_attributes(declared, attributes or {})
    row, created = await emit_recorded(
        ctx, Event(DeclaredKind(declared.code), jurisdiction_id, on, subject_type, subject, unit_id, values)
    )
    await audit(ctx, ACTION, row, None, jurisdiction_id=jurisdiction_id)
    return RecordedPolicyEvent(
        id=row.id,
        jurisdiction_id=jurisdiction_id,
        kind=declared.code,
        title_zh=declared.title_zh,
        subject_type=subject_type,
        subject_id=subject,
        unit_id=unit_id,
        day=on,
        attributes=dict(row.attributes),
        obligations=created,
    )


async def _subject(
    ctx: ServiceContext, jurisdiction_id: int, declared: PolicyEvent, subject_id: int | None
) -> tuple[str, int, int | None]:
    """The subject's type, id and unit: a record of this jurisdiction the caller may read."""
    if declared.subject is EventSubject.JURISDICTION:
        if subject_id is not None and subject_id != jurisdiction_id:
            raise ValidationFailed(
                "subjectId",
                f"事件“{declared.title_zh}”针对整个辖区，不应指定其他记录",
                f"{declared.code} is about the jurisdiction: give no subjectId",
            )
        await ctx.jurisdiction(jurisdiction_id)
        return EventSubject.JURISDICTION.value, jurisdiction_id, None
    model, label_zh = _subject_models()[declared.subject]
    if subject_id is None:
        raise ValidationFailed(
            "subjectId",
            f"事件“{declared.title_zh}”须指定所涉{label_zh}",
            f"{declared.code} needs the {declared.subject.value} it is about (subjectId)",
            "required",
        )
    found = await get_visible(ctx, model, subject_id, label_zh, "subjectId")
    if found.jurisdiction_id != jurisdiction_id:
        raise ValidationFailed(
            "subjectId",
            f"该{label_zh}不属于该辖区",
            f"the {declared.subject.value} belongs to another jurisdiction",
        )
    unit_id = found.id if declared.subject is EventSubject.UNIT else getattr(found, "unit_id", None)
    return declared.subject.value, found.id, unit_id


def check_attributes(declared: PolicyEvent, given: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes as the declaration types them; the first problem raises, naming the field."""
    values: dict[str, Any] = {}
    for name in given:
        if declared.attribute(name) is None:
            names = "、".join(f"{a.name}（{a.label_zh}）" for a in declared.attributes) or "无"
            raise ValidationFailed(
                f"attributes.{name}",
                f"事件“{declared.title_zh}”没有属性“{name}”（可用属性：{names}）",
                f"{declared.code} has no attribute {name!r}",
                "unknown_attribute",
            )
    for attribute in declared.attributes:
        value = given.get(attribute.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if attribute.required:
                raise ValidationFailed(
                    f"attributes.{attribute.name}",
                    f"请填写“{attribute.label_zh}”",
                    f"attribute {attribute.name} is required",
                    "required",
                )
            continue
        values[attribute.name] = _typed(attribute, value)
    return values


def _typed(attribute: EventAttribute, value: Any) -> Any:
    field = f"attributes.{attribute.name}"

    def bad(zh: str, en: str) -> ValidationFailed:
        return ValidationFailed(field, f"“{attribute.label_zh}”{zh}", f"{attribute.name} {en}")

    kind = attribute.type
    if kind is AttributeType.DATE:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise bad("须为日期（如 2024-10-08）", "must be an ISO date (2024-10-08)") from None
    if kind is AttributeType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("须为整数", "must be an integer")
        return value
    if kind is AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise bad("须为是或否", "must be true or false")
        return value
    if kind is AttributeType.CHOICE:
        if value not in attribute.choices:
            options = "、".join(sorted(attribute.choices))
            raise bad(f"须为以下之一：{options}", f"must be one of {sorted(attribute.choices)}")
        return value
    if not isinstance(value, str):
        raise bad("须为文字", "must be text")
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise bad(f"不能超过{TEXT_MAX}个字符", f"is longer than {TEXT_MAX} characters")
    return text


__all__ = ["RecordedPolicyEvent", "check_attributes", "record_policy_event"]
