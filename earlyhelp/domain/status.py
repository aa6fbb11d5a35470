"""Statuses: lower-case strings in the database, StrEnums in code, and the words and colour people see.

    class TransferState(Status):
        DRAFT = "draft", "Draft", "grey"

`TransferState.DRAFT == "draft"`, `TransferState.DRAFT.label == "Draft"`, and the tag component
(templates/components/tag.html) shows it. No page writes a status by replacing underscores.
"""

from enum import StrEnum


class Status(StrEnum):
    label: str
    colour: str

    def __new__(cls, value: str, label: str, colour: str = "grey"):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.colour = colour
        return member
