"""Whether a deadline may be extended as asked: the rule's count and length limits and consents."""

from __future__ import annotations

import datetime as dt

from core.calendar.workdays import WorkdayCalendar
from core.errors import ValidationFailed
from core.policy.types import ExtensionPolicy


def check_extension(
    policy: ExtensionPolicy,
    calendar: WorkdayCalendar,
    *,
    used: int,
    current_due: dt.date | None,
    new_due: dt.date,
    applicant_consent: bool,
    centre_consent: bool,
    court_informed: bool,
) -> None:
    """Raise ValidationFailed naming the field when the extension is not allowed.

    ``max_extensions`` / ``max_extension`` of ``None`` mean the source states no limit (e.g.
    Wuping's court letter: "在征得各方当事人同意后可以延长"); the consents still apply.
    """
    if policy.max_extensions is not None and used >= policy.max_extensions:
        raise ValidationFailed(
            "newDueDate",
            f"已延期{used}次，规则最多允许延期{policy.max_extensions}次",
            f"at most {policy.max_extensions} extension(s) allowed",
            "extension_limit",
        )
    if policy.requires_applicant_consent and not applicant_consent:
        raise ValidationFailed("applicantConsent", "延期须经行政相对人同意", "the applicant must consent")
    if policy.requires_centre_consent and not centre_consent:
        raise ValidationFailed("centreConsent", "延期须经县行政争议纾解中心同意", "the centre must consent")
    if policy.inform_court and not court_informed:
        raise ValidationFailed("courtInformed", "延期须告知人民法院", "the court must be informed")
    if current_due is None:
        raise ValidationFailed("newDueDate", "该事项尚无期限，无需延期", "there is no deadline to extend")
    if new_due <= current_due:
        raise ValidationFailed(
            "newDueDate", "延期后的期限必须晚于原期限", "new due date must be later", "date_order"
        )
    if policy.max_extension is None:
        return
    limit = calendar.due_date(policy.max_extension, current_due)
    if new_due > limit:
        raise ValidationFailed(
            "newDueDate",
            f"延期不得超过{policy.max_extension.describe_zh().removesuffix('内')}（最迟{limit.isoformat()}）",
            f"extension beyond the allowed {policy.max_extension.describe_en()} (latest {limit.isoformat()})",
            "extension_too_long",
        )
