import json

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from imago.forms import LinesField

from . import duplicates, services, stripe_gateway, webhooks
from .access import entitlement_q
from .models import (
    CheckoutSession,
    Customer,
    DuplicateSubscription,
    Offer,
    Subscription,
    WebhookEvent,
    money_display,
)
from .offer_sync import offer_price_changed, offer_reprice

OFFER_SYNCED = "Nouveau prix envoyé à Stripe ({price}) ; les abonnés actuels gardent le leur."
NOTHING_TO_REPLAY = (
    "Aucun événement en échec, ignoré ou resté en attente depuis plus de "
    "STRIPE_EVENT_STALE_MINUTES minutes."
)
OFFER_SYNC_FAILED = (
    "Stripe n'a pas reçu le nouveau prix ({error}) : le paiement de cette offre est suspendu "
    "jusqu'à « manage.py sync_offers »."
)


def stripe_dashboard_link(*, path: str, livemode: bool) -> str:
    """A link to an object in the Stripe dashboard, opened in a new tab."""
    url = stripe_gateway.dashboard_url(path=path, livemode=livemode)
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)


def pretty_json(value: object) -> str:
    """Stripe's data as staff read it in the admin: indented, keys sorted."""
    return format_html(
        "<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    )


class OfferForm(forms.ModelForm):
    benefits = LinesField(required=False, help_text="Un avantage par ligne, dans l'ordre affiché.")

    class Meta:
        model = Offer
        fields = "__all__"


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferForm
    list_display = [
        "name",
        "display_price",
        "trial_days",
        "is_active",
        "position",
        "stripe_price_id",
    ]
    list_filter = ["is_active", "interval"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["stripe_product_id", "stripe_price_id"]

    def save_model(self, request, obj, form, change):
        """A new price reaches Stripe at once, or checkout stops until it does.

        Readers must never be charged another amount than the one they were shown.
        """
        repriced = change and offer_price_changed(changed_fields=form.changed_data)
        if repriced:
            obj.stripe_price_id = ""  # until Stripe has the new price
        super().save_model(request, obj, form, change)
        if not repriced:
            return
        outcome = offer_reprice(offer=obj)
        if outcome.error is not None:
            self.message_user(
                request, OFFER_SYNC_FAILED.format(error=outcome.error), messages.WARNING
            )
        elif outcome.sent:
            self.message_user(request, OFFER_SYNCED.format(price=obj.stripe_price_id))


class HasAccessFilter(admin.SimpleListFilter):
    title = "donne accès maintenant"
    parameter_name = "entitling"

    def lookups(self, request, model_admin):
        return [("yes", "oui"), ("no", "non")]

    def queryset(self, request, queryset):
        entitling = entitlement_q(at=timezone.now())
        if self.value() == "yes":
            return queryset.filter(entitling)
        if self.value() == "no":
            return queryset.exclude(entitling)
        return queryset


class GrantForm(forms.ModelForm):
    """Adding a subscription in the admin grants complimentary access."""

    class Meta:
        model = Subscription
        fields = ["user", "offer", "current_period_end", "note"]
        labels = {"current_period_end": "accès jusqu'au (vide : jusqu'à révocation)"}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "source",
        "status",
        "offer",
        "current_period_end",
        "cancel_at_period_end",
        "trial_end",
    ]
    list_filter = ["source", "status", HasAccessFilter, "offer"]
    search_fields = ["user__email", "stripe_subscription_id"]
    list_select_related = ["user", "offer"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]
    readonly_fields = [
        "source",
        "status",
        "stripe_subscription_id",
        "stripe_created_at",
        "stripe_price_id",
        "current_period_start",
        "cancel_at_period_end",
        "canceled_at",
        "trial_end",
        "livemode",
        "synced_at",
        "granted_by",
        "created_at",
        "updated_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = GrantForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return GrantForm.Meta.fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.source == Subscription.Source.STRIPE:
            # Stripe is the source of truth: staff change it in the Stripe dashboard.
            return ["stripe_dashboard", *(f.name for f in Subscription._meta.fields)]
        # A grant is extended or revoked, never moved to another reader.
        return [*self.readonly_fields, "user", "offer"]

    @admin.display(description="tableau de bord Stripe")
    def stripe_dashboard(self, obj):
        if not obj or not obj.stripe_subscription_id:
            return "—"
        return stripe_dashboard_link(
            path=f"subscriptions/{obj.stripe_subscription_id}", livemode=obj.livemode
        )

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        grant = services.complimentary_grant(
            user=obj.user,
            until=obj.current_period_end,
            granted_by=request.user,
            note=obj.note,
            offer=obj.offer,
        )
        obj.pk = grant.pk

    @admin.action(description="Révoquer l'accès offert", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(
            services.complimentary_revoke(subscription=subscription) for subscription in queryset
        )
        self.message_user(request, f"{revoked} accès offert(s) révoqué(s).", messages.SUCCESS)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["user", "stripe_customer_id", "created_at"]
    search_fields = ["user__email", "stripe_customer_id"]
    list_select_related = ["user"]
    readonly_fields = ["user", "stripe_customer_id", "stripe_dashboard", "created_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="tableau de bord Stripe")
    def stripe_dashboard(self, obj):
        # Customer ids do not tell the mode; the test dashboard is the safe default.
        livemode = obj.user.subscriptions.filter(livemode=True).exists()
        return stripe_dashboard_link(path=f"customers/{obj.stripe_customer_id}", livemode=livemode)


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(admin.ModelAdmin):
    """Read-only: the Checkout pages opened for readers, one open at most per reader."""

    list_display = [
        "user",
        "offer",
        "status",
        "trial_days",
        "source_article",
        "expires_at",
        "created_at",
        "stripe_session_id",
    ]
    list_filter = ["status", "offer"]
    search_fields = ["user__email", "stripe_session_id"]
    list_select_related = ["user", "offer"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "user",
        "offer",
        "status",
        "trial_days",
        "source_article",
        "stripe_session_id",
        "stripe_dashboard",
        "expires_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="tableau de bord Stripe")
    def stripe_dashboard(self, obj):
        if not obj.stripe_session_id:
            return "—"
        return stripe_dashboard_link(
            path=f"checkout/sessions/{obj.stripe_session_id}",
            livemode=not obj.stripe_session_id.startswith("cs_test_"),
        )


@admin.register(DuplicateSubscription)
class DuplicateSubscriptionAdmin(admin.ModelAdmin):
    """Read-only: a reader's second subscription, what was cancelled and what refunded.

    Settled as soon as it is found; one that failed (Stripe unreachable) is retried by the
    next event of the reader and by `manage.py sync_subscriptions`, or from here.
    """

    list_display = [
        "user",
        "subscription",
        "kept",
        "status",
        "canceled_at",
        "refunded",
        "attempts",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["user__email", "subscription__stripe_subscription_id"]
    list_select_related = ["user", "subscription", "kept"]
    date_hierarchy = "created_at"
    actions = ["settle"]
    fields = readonly_fields = (
        "user",
        "subscription",
        "subscription_dashboard",
        "kept",
        "status",
        "canceled_at",
        "refunded",
        "refund_list",
        "error",
        "attempts",
        "created_at",
        "settled_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission lets a manager retry a settlement, never edit one.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="remboursé")
    def refunded(self, obj):
        return money_display(obj.refunded_cents, obj.currency) if obj.refunded_cents else "—"

    @admin.display(description="remboursements")
    def refund_list(self, obj):
        return pretty_json(obj.refunds)

    @admin.display(description="tableau de bord Stripe")
    def subscription_dashboard(self, obj):
        return stripe_dashboard_link(
            path=f"subscriptions/{obj.subscription.stripe_subscription_id}",
            livemode=obj.subscription.livemode,
        )

    @admin.action(description="Annuler et rembourser maintenant", permissions=["change"])
    def settle(self, request, queryset):
        pending = queryset.filter(status=DuplicateSubscription.Status.PENDING)
        results = [duplicates.duplicate_settle(duplicate=duplicate) for duplicate in pending]
        settled = sum(result.status == DuplicateSubscription.Status.SETTLED for result in results)
        unsettled = len(results) - settled
        self.message_user(
            request,
            f"{settled} réglé(s), {unsettled} en échec.",
            messages.ERROR if unsettled else messages.SUCCESS,
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Read-only: what Stripe sent and what became of it.

    Failed, ignored and stale pending events (cut off mid-processing) can be replayed.
    """

    list_display = ["stripe_event_id", "type", "status", "attempts", "created_at", "processed_at"]
    list_filter = ["status", "type", "livemode"]
    search_fields = ["stripe_event_id", "type"]
    date_hierarchy = "created_at"
    actions = ["replay"]
    readonly_fields = fields = (
        "stripe_event_id",
        "type",
        "status",
        "error",
        "attempts",
        "livemode",
        "stripe_created_at",
        "created_at",
        "processed_at",
        "pretty_payload",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission lets a manager replay events, never edit one.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="contenu")
    def pretty_payload(self, obj):
        return pretty_json(obj.payload)

    @admin.action(
        description="Rejouer les événements en échec, ignorés ou restés en attente",
        permissions=["change"],
    )
    def replay(self, request, queryset):
        outcomes = webhooks.events_replay(events=queryset.order_by("created_at"))
        if not outcomes:
            self.message_user(request, NOTHING_TO_REPLAY, messages.WARNING)
            return
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        failed = outcomes.get(WebhookEvent.Status.FAILED, 0)
        self.message_user(
            request, f"Rejoués : {summary}.", messages.ERROR if failed else messages.SUCCESS
        )
