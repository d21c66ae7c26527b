"""Store aliases: the other names a source gives a store (an OEM dealer code, a spelling)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from inventory.models.runs import Source

_NO_CONTROL = RegexValidator(
    r"[\x00-\x1f\x7f]", inverse_match=True, message="A store name holds no control characters."
)
NEXT_IMPORT = (
    "A mapping takes effect from each source's next import: rows already imported keep "
    "the name they were sent with until then, and the next reconciliation after that "
    "import files their vehicles and exceptions under the store."
)


class StoreAlias(models.Model):
    """A name a source's files give a store (``C55555``, the OEM's dealer code for
    Northside Ford), for one source or every source: the rows naming it are that store's.

    Applied when a feed is parsed (``inventory.feeds.parsing``), before the ``--store``
    check; names are compared case- and space-insensitively (``store_key``), once (an
    alias's store is not looked up again).
    """

    name = models.CharField(
        "name as sent", max_length=60, validators=[_NO_CONTROL],
        help_text="The store cell as the source sends it, e.g. the OEM dealer code C55555 "
        "(compared case- and space-insensitively).",
    )  # fmt: skip
    source = models.CharField(
        max_length=10, choices=Source.choices, blank=True,
        help_text="Only this source's files; empty: every source's (a mapping for one source "
        "wins over one for all).",
    )  # fmt: skip
    store = models.CharField(
        max_length=60, validators=[_NO_CONTROL],
        help_text="The store's name as FleetOps shows it (as CDK names it, e.g. Northside "
        "Ford). Takes effect from each source's next import.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "store alias"
        verbose_name_plural = "store aliases"
        ordering = ["name", "source"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="inv_store_alias_name")
        ]
        permissions = [
            ("import_storealias", "Can import store aliases from CSV"),
            ("export_storealias", "Can export store aliases to CSV"),
        ]

    def __str__(self):
        return f"{self.name} → {self.store}"

    def clean(self):
        """Names stripped; one store per name and source (as names compare); no alias
        chained to another that would give another store (aliases are applied once: a
        name mapped to a name that is itself mapped stays at the first step)."""
        from inventory.feeds.parsing import store_key  # parsing imports the models

        self.name, self.store = (self.name or "").strip(), (self.store or "").strip()
        if not self.name or not self.store:
            return  # the fields' own "This field is required."
        if self.name == self.store:
            raise ValidationError({"store": "The name already is the store's: nothing to map."})
        key, store = store_key(self.name), store_key(self.store)
        errors: dict[str, str] = {}
        for other in StoreAlias.objects.exclude(pk=self.pk).only("name", "source", "store"):
            other_key = store_key(other.name)
            # both apply to some source's files; a chain matters only if it ends elsewhere
            chained = (not other.source or not self.source or other.source == self.source) and (
                other.store != self.store
            )
            if other.source == self.source and other_key == key:
                scope = other.get_source_display() if other.source else "every source"
                errors["name"] = f"{other.name} is already mapped to {other.store} for {scope}."
            elif chained and other_key == store:
                errors["store"] = (
                    f"{other.name} is itself mapped to {other.store}: map to {other.store} "
                    "directly (a mapped name is not looked up again)."
                )
            elif chained and store_key(other.store) == key:
                errors["name"] = (
                    f"{other.name} is mapped to {other.store}, which this alias would map in "
                    f"turn (a mapped name is not looked up again): map {other.name} to "
                    f"{self.store} as well, or this name to {other.store}."
                )
        if errors:
            raise ValidationError(errors)
