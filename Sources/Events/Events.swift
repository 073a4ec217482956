// OpenADR 3 objects in Postgres: programs, events, reports, subscriptions, notifications.
