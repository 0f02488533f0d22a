"""Problems: the task registry, dataset sources (hub or offline mirror), prompts and code-problem rows."""
