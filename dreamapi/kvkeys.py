"""KV key layout (see DESIGN.md "Storage"); every key is built here and nowhere else."""

from __future__ import annotations


# TOKENS_KV
def apikey(key_hash: str) -> str:
    return f"apikey:{key_hash}"


def user_platform(user_id: str) -> str:
    return f"user:{user_id}:platformId"


def platform_field(platform_id: str, field: str) -> str:
    return f"platform:{platform_id}:{field}"


def tier_config(platform_id: str) -> str:
    return f"user:{platform_id}:tierConfig"


def developer_email(email_hash: str) -> str:
    return f"developer-email:{email_hash}"


# USAGE_KV
def end_user_usage(platform_id: str, user_id: str) -> str:
    """An end user's latest usage snapshot, written by their meter object."""
    return f"{end_user_usage_prefix(platform_id)}{user_id}"


def end_user_usage_prefix(platform_id: str) -> str:
    """Every end user's latest snapshot of one platform (what dashboards list)."""
    return f"usage:{platform_id}:"


PERIOD_PLACEHOLDER = "{period}"


def end_user_period_usage(platform_id: str, user_id: str, period_start: str = PERIOD_PLACEHOLDER) -> str:
    """An end user's usage in one month (its first day), written by their meter object; listed by
    prefix per platform and month for the analytics (placeholder: the meter fills it in)."""
    return f"{end_user_period_usage_prefix(platform_id, period_start)}{user_id}"


def end_user_period_usage_prefix(platform_id: str, period_start: str) -> str:
    return f"usage-period:{platform_id}:{period_start}:"


def overage_pending(subject_name: str) -> str:
    """A metered subject with overage units still to report to Stripe (written by its object)."""
    return f"{OVERAGE_PENDING_PREFIX}{subject_name}"


OVERAGE_PENDING_PREFIX = "overage:pending:"


def stripe_webhook_event(receiver: str, event_id: str) -> str:
    """Per receiving worker: one Stripe event can go to several endpoints (Connect events reach
    both api_multi and oauth_api), and each must apply it once."""
    return f"webhook:stripe:{receiver}:{event_id}"


def developer_billing(user_id: str) -> str:
    return f"user:{user_id}:billing"


def stripe_customer(customer_id: str) -> str:
    return f"stripe-customer:{customer_id}"


def end_user_subscription(platform_id: str, user_id: str) -> str:
    return f"enduser:{platform_id}:{user_id}:subscription"


def connected_account(account_id: str) -> str:
    """Stripe connected account -> the platform it belongs to (written by oauth_api)."""
    return f"stripe-account:{account_id}"


def revenue(platform_id: str, payment_id: str) -> str:
    return f"revenue:{platform_id}:{payment_id}"


def developer_github(user_id: str) -> str:
    return f"user:{user_id}:github"


def credit_packs(platform_id: str) -> str:
    """The credit packs a developer sells to their end users."""
    return f"platform:{platform_id}:credit-packs"


def gateway_config(platform_id: str) -> str:
    """A platform's gateway: upstream, routes, sealed headers and signing secret (dreamapi.gateway_store)."""
    return f"platform:{platform_id}:gateway"


def alert_settings(platform_id: str) -> str:
    """A platform's usage thresholds and low-credit level (its webhook events)."""
    return f"platform:{platform_id}:alerts"


# USAGE_KV, written by the webhook outboxes (usage_meter/src/outbox.js)
OUTBOX_PENDING_PREFIX = "outbox:pending:"
