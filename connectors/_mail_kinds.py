"""What a provider mail that retires no model is about: an `incident`, an `account` matter (policy,
safety, a leaked key, organisation changes), a `billing` one (an invoice or payment that failed,
credit running low, quota, a rate-limit change) or news (`changelog`); and how loud it is. Decided
from the subject first (the provider's own one-line summary), then the text; the severity from both.
Pure."""

from __future__ import annotations

import re
from typing import Literal

from connectors.contract.events import Severity

MailKind = Literal["incident", "account", "billing", "changelog"]

_KEY_LEAK = re.compile(r"\b(?:api|secret|access)\s+keys?\b[^.]{0,120}?\b(?:leak|expos|compromis|rotat|revok|disabl)"
                       r"|\b(?:leak|expos|compromis)\w*\b[^.]{0,80}?\b(?:api|secret|access)\s+keys?\b", re.I)
_ACCOUNT = re.compile(r"\b(?:usage polic(?:y|ies)|acceptable use|terms of (?:service|use)|safety|violat\w*|suspend\w*|"
                      r"organi[sz]ation (?:owner|member|role|settings|name)|invited you|removed (?:you )?from|"
                      r"verif(?:y|ication)|two-factor|sign-?in|account (?:access|security|deactivat\w*))\b", re.I)
_BILLING = re.compile(r"\b(?:invoice|payment|billing|credit balance|credits?|prepaid|quota|rate[- ]limits?|"
                      r"usage (?:tier|limits?)|spend(?:ing)? limit|budget|receipt|charge[ds]?)\b", re.I)
_BILLING_BAD = re.compile(r"\b(?:fail\w*|declin\w*|unable to (?:charge|process)|past due|overdue|exceed\w*|"
                          r"exhaust\w*|run(?:ning)? (?:low|out)|too low|suspend\w*|reduc\w*|lower\w*)\b", re.I)
_INCIDENT = re.compile(r"\b(?:incident|outage|degraded|elevated (?:error|latenc)\w*|disruption|investigating|"
                       r"service issue|partial(?:ly)? unavailable|downtime|mitigat\w*)\b", re.I)
# A status page's mail starts its update with the status: "Monitoring - We've mitigated …"
_STATUS = re.compile(r"^\s*(Investigating|Identified|Monitoring|Update|Resolved|Completed|Scheduled)\s+-\s", re.M)
_RESOLVED = re.compile(r"\b(?:resolved|has been fixed|recovered|back to normal)\b", re.I)


def kind_of(subject: str, text: str) -> tuple[MailKind, Severity, str | None]:
    """(kind, severity, incident status or None)."""
    whole = f"{subject}\n{text[:4000]}"
    for part in (subject, text[:4000]):
        if _KEY_LEAK.search(part):
            return "account", "warning", None
        if _INCIDENT.search(part):
            said = _STATUS.search(text)
            status = said[1].lower() if said else "resolved" if _RESOLVED.search(whole) else "investigating"
            return "incident", "info" if status in ("resolved", "completed") else "warning", status
        if _BILLING.search(part):
            return "billing", "warning" if _BILLING_BAD.search(whole) else "notice", None
        if _ACCOUNT.search(part):
            return "account", "warning" if re.search(r"violat|suspend", whole, re.I) else "notice", None
    return "changelog", "info", None
