"""Every write to the directory, as plain functions that the admin, the public forms,
imports and commands all call, so the same checks run whichever way a change comes in."""
