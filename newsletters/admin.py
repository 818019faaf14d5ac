from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from imago.exceptions import DomainError

from . import rendering, selectors, services
from .models import Delivery, Mailing, MailingArticle, Newsletter


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "active", "subscriber_count"]
    list_filter = ["audience", "active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                subscriber_count=Count(
                    "subscriptions", filter=Q(subscriptions__unsubscribed_at__isnull=True)
                )
            )
        )

    @admin.display(description="inscrits", ordering="subscriber_count")
    def subscriber_count(self, newsletter):
        return newsletter.subscriber_count


class MailingArticleInline(admin.TabularInline):
    model = MailingArticle
    extra = 3
    autocomplete_fields = ["article"]
    fields = ["article", "position"]

    def _editable(self, obj) -> bool:
        return obj is None or obj.editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class SendForm(forms.Form):
    send_at = forms.DateTimeField(
        label="Date et heure d'envoi (heure de Paris)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    """Compose a mailing, preview it as each kind of reader, test it, send it, read its report."""

    inlines = [MailingArticleInline]
    list_display = ["subject", "newsletter", "status", "send_at", "sent_count", "failed_count"]
    list_filter = ["status", "newsletter"]
    search_fields = ["subject"]
    autocomplete_fields = ["edition"]
    list_select_related = ["newsletter"]
    date_hierarchy = "created_at"
    change_form_template = "admin/newsletters/mailing/change_form.html"
    fieldsets = [
        (None, {"fields": ["newsletter", "subject", "introduction", "edition"]}),
        (
            "Envoi",
            {"fields": ["status", "send_at", "started_at", "finished_at", "created_by", "report"]},
        ),
    ]
    SENDING_FIELDS = ("status", "send_at", "started_at", "finished_at", "created_by", "report")

    def get_queryset(self, request):
        sent = Delivery.Status.SENT
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__status=sent)),
                failed_count=Count(
                    "deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)
                ),
            )
        )

    def has_delete_permission(self, request, obj=None):
        # A mailing that went out keeps its deliveries and its report.
        if obj is not None and obj.status in (Mailing.Status.SENDING, Mailing.Status.SENT):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.editable:
            return ["newsletter", "subject", "introduction", *self.SENDING_FIELDS]
        return list(self.SENDING_FIELDS)

    @admin.display(description="envoyés", ordering="sent_count")
    def sent_count(self, mailing):
        return mailing.sent_count

    @admin.display(description="échecs", ordering="failed_count")
    def failed_count(self, mailing):
        return mailing.failed_count

    @admin.display(description="rapport")
    def report(self, mailing):
        if mailing.pk is None or mailing.status in (Mailing.Status.DRAFT,):
            return "Pas encore envoyé."
        report = selectors.mailing_report(mailing=mailing)
        rows = [
            ("Destinataires", report.recipients),
            ("Envoyés", report.sent),
            ("Échecs", report.failed),
            ("En attente", report.pending),
            ("Non envoyés (plus destinataires au moment de l'envoi)", report.skipped),
            ("Désinscrits depuis l'envoi", report.unsubscribed_since),
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # --- Preview, test, send ------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:mailing_id>/preview/",
                view(self.preview_view),
                name="newsletters_mailing_preview",
            ),
            path("<int:mailing_id>/send/", view(self.send_view), name="newsletters_mailing_send"),
            *super().get_urls(),
        ]

    def _mailing(self, request, mailing_id: int, *, change: bool) -> Mailing:
        mailing = get_object_or_404(Mailing.objects.select_related("newsletter"), pk=mailing_id)
        allowed = (
            self.has_change_permission(request, mailing)
            if change
            else self.has_view_permission(request, mailing)
        )
        if not allowed:
            raise PermissionDenied
        return mailing

    def preview_view(self, request, mailing_id: int):
        """The mailing as a kind of reader would receive it now: HTML and text side by side."""
        mailing = self._mailing(request, mailing_id, change=False)
        kind = request.GET.get("as", "subscriber")
        if kind not in selectors.PREVIEW_READERS:
            kind = "subscriber"
        at = timezone.now()
        reader = selectors.preview_reader(kind)
        composed = rendering.personal(
            rendering.mailing_composed(
                mailing=mailing,
                newsletter=mailing.newsletter,
                articles=selectors.mailing_articles(mailing=mailing, reader=reader, at=at),
                edition=selectors.mailing_edition(mailing=mailing, reader=reader, at=at),
            ),
            unsubscribe_url=rendering.unsubscribe_url(
                user_id=request.user.pk, newsletter_id=mailing.newsletter_id
            ),
        )
        unpublished = selectors.articles_unpublished_at(mailing=mailing, at=mailing.send_at or at)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": mailing,
            "title": f"Aperçu : {mailing.subject}",
            "kind": kind,
            "kinds": selectors.PREVIEW_READERS,
            "composed": composed,
            "unpublished": unpublished,
        }
        return TemplateResponse(request, "admin/newsletters/mailing/preview.html", context)

    def send_view(self, request, mailing_id: int):
        """Send a test to oneself, send now, schedule, or cancel a scheduled mailing."""
        mailing = self._mailing(request, mailing_id, change=True)
        form = SendForm(initial={"send_at": mailing.send_at})
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "test":
                    kind = request.POST.get("kind", "subscriber")
                    if kind not in selectors.PREVIEW_READERS:
                        kind = "subscriber"
                    services.mailing_test_send(mailing=mailing, to=request.user, kind=kind)
                    self.message_user(
                        request,
                        f"Un test, tel que le reçoit {selectors.PREVIEW_READERS[kind]}, part "
                        f"vers {request.user.email}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
                if action == "now":
                    count = services.mailing_schedule(mailing=mailing)
                    self.message_user(
                        request, f"Envoi en cours vers {count} lecteur(s).", messages.SUCCESS
                    )
                    return HttpResponseRedirect(self._change_url(mailing))
                if action == "schedule":
                    form = SendForm(request.POST)
                    if form.is_valid():
                        count = services.mailing_schedule(
                            mailing=mailing, send_at=form.cleaned_data["send_at"]
                        )
                        when = timezone.localtime(mailing.send_at).strftime("%d/%m/%Y à %H:%M")
                        self.message_user(
                            request,
                            f"Envoi programmé le {when} ({count} lecteur(s) inscrits à ce jour).",
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(self._change_url(mailing))
                if action == "cancel":
                    services.mailing_cancel(mailing=mailing)
                    self.message_user(request, "Envoi programmé annulé.", messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(mailing))
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": mailing,
            "title": f"Envoyer : {mailing.subject}",
            "form": form,
            "kinds": selectors.PREVIEW_READERS,
            "recipients": selectors.recipients(
                newsletter=mailing.newsletter, at=timezone.now()
            ).count(),
            "report": selectors.mailing_report(mailing=mailing),
        }
        return TemplateResponse(request, "admin/newsletters/mailing/send.html", context)

    def _change_url(self, mailing: Mailing) -> str:
        return reverse("admin:newsletters_mailing_change", args=[mailing.pk])
