from django.apps import AppConfig


class EditionsConfig(AppConfig):
    name = "editions"
    verbose_name = "Journal numérique"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, pre_save

        from imago import response_cache

        from .models import Edition
        from .selectors import next_edition_change

        # editions/ is read anonymously from the response cache: an edition appears at its
        # publication and opens to everyone at its public date, with no write.
        response_cache.schedule_register(next_edition_change)
        response_cache.watch(Edition, schedule=True)
        # The storage keeps the files of existing editions only.
        pre_save.connect(files_replaced, sender=Edition, dispatch_uid="editions:files_replaced")
        post_delete.connect(files_deleted, sender=Edition, dispatch_uid="editions:files_deleted")


def files_replaced(sender, instance, raw: bool = False, using: str = "default", **kwargs) -> None:
    """A new PDF or cover replaces a stored one: the old file goes once the save commits."""
    from .services import edition_files_forget, stored_names

    if raw or instance.pk is None:
        return
    previous = sender.objects.using(using).filter(pk=instance.pk).first()
    if previous is not None:
        edition_files_forget(names=stored_names(previous) - stored_names(instance), using=using)


def files_deleted(sender, instance, using: str = "default", **kwargs) -> None:
    from .services import edition_files_forget, stored_names

    edition_files_forget(names=stored_names(instance), using=using)
