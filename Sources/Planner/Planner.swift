// Planner module
