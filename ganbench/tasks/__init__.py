"""Tasks: where real samples come from and how generated samples are judged."""
from ganbench.tasks import conditional, digits, mixtures, translation, user_images, user_translation  # noqa: F401  (registration)
from ganbench.tasks.task import TASK_FAMILIES, TASKS, EvalProtocol, Task, get_task, register_task, register_task_family

__all__ = ["TASKS", "TASK_FAMILIES", "EvalProtocol", "Task", "get_task", "register_task", "register_task_family"]
