"""Views of the service desk: the staff interface (queue, ticket page, new ticket), the
self-service portal and the shared attachment download. Each module stays small and thin:
forms validate, services act, templates render."""
