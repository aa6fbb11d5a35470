"""The roles the access rules know (earlyhelp/policy.py). Role names, and any roles a council adds, are rows
(Role); these codes are fixed, and nothing compares a role to a string of its own."""

from enum import StrEnum


class RoleCode(StrEnum):
    PRACTITIONER = "practitioner"
    SOCIAL_WORKER = "social_worker"
    FRONT_DOOR = "front_door"
    TEAM_MANAGER = "team_manager"
    HEAD_OF_SERVICE = "head_of_service"
    ADMINISTRATOR = "administrator"
