"""Our own error types. Each subclasses ValueError and carries a message fit to show a user.

Pages and the CLI catch `PersonaLensError` and show its text; anything else is a bug.
"""

from __future__ import annotations


class PersonaLensError(ValueError):
    """Base of every error whose message is meant for the user."""


class WorkspaceNotFoundError(PersonaLensError):
    """The named workspace folder does not exist or is not a workspace."""


class WorkspaceExistsError(PersonaLensError):
    """A workspace is being created where one already is."""


class WorkspaceNameError(PersonaLensError):
    """A workspace name a user typed could escape the workspaces home or hide the folder."""


class WorkspaceBusyError(PersonaLensError):
    """Another process holds the workspace database for writing."""


class DataError(PersonaLensError):
    """Data handed to the store does not fit the canonical schema."""


class IngestError(PersonaLensError):
    """An uploaded file cannot be read or mapped; nothing was written."""


def user_message(exc: BaseException) -> str:
    """What to tell a user about `exc`: our own messages as written, anything else with its type."""
    return str(exc) if isinstance(exc, PersonaLensError) else f"{type(exc).__name__}: {exc}"
