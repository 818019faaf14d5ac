from typing import Any

from django import forms


class LinesField(forms.Field):
    """Edit a JSON list of strings as a textarea, one item per line, for busy editors."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
        return [str(line).strip() for line in lines if str(line).strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)
