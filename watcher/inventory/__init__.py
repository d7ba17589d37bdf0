"""Our side: the inventory of uses, the code scanner, the model catalog, matching (pure), the
impacts kept in step with events and inventory, deadlines and coverage."""
