"""Every word the console shows, in Greek (the default) and English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("el", "en")

_PAIRS: dict[str, tuple[str, str]] = {
    "app": ("Πύλη διασύνδεσης — κονσόλα", "Integration gateway — console"),
    "skip": ("Μετάβαση στο περιεχόμενο", "Skip to content"),
    "nav": ("Κύριο μενού", "Main menu"),
    "switch": ("English", "Ελληνικά"),
    "switch_label": ("Switch to English", "Αλλαγή σε Ελληνικά"),
    "overview": ("Επισκόπηση", "Overview"),
    "events": ("Συμβάντα", "Events"),
    "dead": ("Αποτυχημένες παραδόσεις", "Dead letters"),
    "in_doubt": ("Αβέβαιες παραδόσεις", "In doubt"),
    "backends": ("Συστήματα", "Backends"),
    "audit": ("Αρχείο ενεργειών", "Audit log"),
    "signed_in_as": ("Συνδεδεμένος χρήστης", "Signed in as"),
    "logout": ("Αποσύνδεση", "Sign out"),
    "login_title": ("Σύνδεση", "Sign in"),
    "login": ("Όνομα χρήστη", "Login"),
    "password": ("Κωδικός πρόσβασης", "Password"),
    "sign_in": ("Σύνδεση", "Sign in"),
    "login_failed": ("Λάθος όνομα χρήστη ή κωδικός.", "Wrong login or password."),
    "login_held": (
        "Πολλές αποτυχημένες προσπάθειες. Δοκιμάστε ξανά σε {minutes} λεπτά.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    "session_ended": (
        "Η συνεδρία έληξε. Συνδεθείτε ξανά.",
        "Your session ended. Please sign in again.",
    ),
    "errors_title": ("Υπάρχουν λάθη στη φόρμα", "There is a problem with the form"),
    "role_viewer": ("αναγνώστης", "viewer"),
    "role_operator": ("χειριστής", "operator"),
    "role_admin": ("διαχειριστής", "admin"),
    # overview and backends
    "backend": ("Σύστημα", "Backend"),
    "health": ("Κατάσταση", "Health"),
    "healthy": ("Λειτουργεί", "Up"),
    "unhealthy": ("Εκτός λειτουργίας", "Down"),
    "breaker": ("Διακόπτης", "Breaker"),
    "breaker_closed": ("κλειστός (κανονικά)", "closed (normal)"),
    "breaker_open": ("ανοιχτός (παύση κλήσεων)", "open (calls held)"),
    "breaker_half_open": ("δοκιμαστικός", "half open (trying)"),
    "paused": ("Σε παύση", "Paused"),
    "running": ("Σε λειτουργία", "Running"),
    "pending": ("Σε αναμονή", "Pending"),
    "oldest_pending": ("Παλαιότερη σε αναμονή", "Oldest pending"),
    "dead_count": ("Αποτυχημένες", "Dead"),
    "in_doubt_count": ("Αβέβαιες", "In doubt"),
    "last_24h": ("Τελευταίες 24 ώρες", "Last 24 hours"),
    "chart_alt": (
        "{plugin}, τελευταίες 24 ώρες: {succeeded} επιτυχίες, {failed} αποτυχίες, "
        "{unknown} αβέβαιες, {other} άλλες",
        "{plugin}, last 24 hours: {succeeded} succeeded, {failed} failed, "
        "{unknown} in doubt, {other} other",
    ),
    "paused_by": ("Παύση από {who}, {when}: {reason}", "Paused by {who}, {when}: {reason}"),
    "pause": ("Παύση", "Pause"),
    "resume": ("Συνέχιση", "Resume"),
    "reason": ("Αιτιολογία", "Reason"),
    "reason_hint": (
        "Υποχρεωτική· καταγράφεται στο αρχείο ενεργειών.",
        "Required; kept in the audit log.",
    ),
    "reason_missing": ("Γράψτε αιτιολογία.", "Write a reason."),
    "admins_only": (
        "Μόνο οι διαχειριστές κάνουν παύση και συνέχιση.",
        "Only admins pause and resume.",
    ),
    # events
    "search": ("Αναζήτηση", "Search"),
    "request_id": ("Αριθμός αίτησης", "Request id"),
    "subject": ("Θέμα (subject)", "Subject"),
    "protocol_number": ("Αριθμός πρωτοκόλλου ή απόδειξης", "Protocol or receipt number"),
    "afm": ("ΑΦΜ", "Tax number (ΑΦΜ)"),
    "type": ("Τύπος", "Type"),
    "status": ("Κατάσταση", "Status"),
    "plugin": ("Σύστημα", "Backend"),
    "department": ("Τμήμα", "Department"),
    "from": ("Από (ημερομηνία)", "From (date)"),
    "until": ("Έως (ημερομηνία)", "Until (date)"),
    "any": ("Όλα", "Any"),
    "received": ("Παραλαβή", "Received"),
    "event": ("Συμβάν", "Event"),
    "deliveries": ("Παραδόσεις", "Deliveries"),
    "no_events": ("Δεν βρέθηκαν συμβάντα.", "No events found."),
    "newer": ("Νεότερα", "Newer"),
    "older": ("Παλαιότερα", "Older"),
    "pages": ("Σελίδες αποτελεσμάτων", "Result pages"),
    "sort_newest": ("νεότερα πρώτα", "newest first"),
    "sort_oldest": ("παλαιότερα πρώτα", "oldest first"),
    "sort_type": ("κατά τύπο", "by type"),
    "sorted_by": ("Ταξινόμηση: {how}", "Sorted: {how}"),
    "amount": ("Ποσό", "Amount"),
    "results": ("Αποτελέσματα", "Results"),
    "bad_date": ("Η ημερομηνία θέλει μορφή ηη/μμ/εεεε.", "The date must be dd/mm/yyyy."),
    "bad_afm": ("Ο ΑΦΜ έχει 9 ψηφία.", "An ΑΦΜ has 9 digits."),
    # event timeline
    "timeline": ("Χρονολόγιο", "Timeline"),
    "received_step": ("Παραλήφθηκε από {source}", "Received from {source}"),
    "routed_step": ("Δρομολογήθηκε σε: {plugins}", "Routed to: {plugins}"),
    "routed_none": ("Δεν δρομολογήθηκε πουθενά", "Routed nowhere"),
    "caused_by": ("Προέκυψε από", "Caused by"),
    "attempts": ("Προσπάθειες", "Attempts"),
    "attempt": ("Α/Α", "No."),
    "started": ("Έναρξη", "Started"),
    "outcome": ("Αποτέλεσμα", "Outcome"),
    "error": ("Σφάλμα", "Error"),
    "took": ("Διάρκεια", "Took"),
    "no_attempts": ("Καμία προσπάθεια ακόμη.", "No attempt yet."),
    "result": ("Απάντηση συστήματος", "Backend's answer"),
    "derived": ("Παράγωγα συμβάντα", "Derived events"),
    "emails": ("Μηνύματα e-mail", "E-mails sent"),
    "next_attempt": ("Επόμενη προσπάθεια", "Next attempt"),
    "payload": ("Δεδομένα", "Payload"),
    "payload_masked": (
        "Τα προσωπικά δεδομένα είναι κρυμμένα.",
        "Personal data is masked.",
    ),
    "payload_purged": (
        "Τα δεδομένα διαγράφηκαν λόγω διατήρησης.",
        "The payload was purged by retention.",
    ),
    "reveal": ("Εμφάνιση (καταγράφεται)", "Reveal (audited)"),
    "revealed": (
        "Εμφανίζονται ολόκληρα· η εμφάνιση καταγράφηκε.",
        "Shown whole; the reveal was audited.",
    ),
    "replay": ("Επανάληψη", "Replay"),
    "replay_event": ("Επανάληψη αποτυχημένων παραδόσεων", "Replay failed deliveries"),
    # dead letters
    "groups": ("Ανά σύστημα και σφάλμα", "By backend and error"),
    "error_kind": ("Είδος σφάλματος", "Error kind"),
    "count": ("Πλήθος", "Count"),
    "latest": ("Πιο πρόσφατη", "Latest"),
    "choose": ("Επιλογή", "Choose"),
    "choose_group": ("Επιλογή ομάδας {n}", "Choose group {n}"),
    "no_dead": ("Καμία αποτυχημένη παράδοση.", "No dead letters."),
    "recent_dead": ("Πιο πρόσφατες", "Most recent"),
    "bulk_title": ("Μαζική ενέργεια", "Bulk action"),
    "bulk_count": (
        "Το φίλτρο επιλέγει {n} αποτυχημένες παραδόσεις.",
        "The filter selects {n} dead letters.",
    ),
    "action": ("Ενέργεια", "Action"),
    "dismiss": ("Απόρριψη (κλείσιμο)", "Dismiss (close)"),
    "confirm_bulk": ("Επιβεβαίωση", "Confirm"),
    "confirm_check": (
        "Επιβεβαιώνω την ενέργεια για {n} παραδόσεις.",
        "I confirm the action for {n} deliveries.",
    ),
    "confirm_missing": ("Επιβεβαιώστε την ενέργεια.", "Confirm the action."),
    "count_changed": (
        "Το πλήθος άλλαξε σε {n}· δεν έγινε τίποτα. Ελέγξτε ξανά.",
        "The count changed to {n}; nothing was done. Check again.",
    ),
    "done_replayed": ("Στάλθηκαν ξανά: {n}.", "Replayed: {n}."),
    "done_dismissed": ("Έκλεισαν: {n}.", "Dismissed: {n}."),
    "done_paused": ("Το σύστημα {plugin} τέθηκε σε παύση.", "{plugin} is paused."),
    "done_resumed": ("Το σύστημα {plugin} συνεχίζει.", "{plugin} runs again."),
    "done_confirmed": ("Η παράδοση επιβεβαιώθηκε.", "The delivery is confirmed."),
    "done_released": ("Η παράδοση θα σταλεί ξανά.", "The delivery will be sent again."),
    "done_replay": ("Η επανάληψη ξεκίνησε.", "The replay started."),
    # in doubt
    "in_doubt_intro": (
        "Το σύστημα ίσως εκτέλεσε την εντολή χωρίς να απαντήσει. Ελέγξτε το και "
        "επιβεβαιώστε τι κρατά, ή αποδεσμεύστε την παράδοση για νέα αποστολή.",
        "The backend may have done the work without answering. Check it, then "
        "confirm what it holds, or release the delivery to send it again.",
    ),
    "look_for": ("Τι να αναζητήσετε", "What to look for"),
    "since": ("Από", "Since"),
    "confirm": ("Επιβεβαίωση", "Confirm"),
    "release": ("Αποδέσμευση (νέα αποστολή)", "Release (send again)"),
    "no_in_doubt": ("Καμία αβέβαιη παράδοση.", "Nothing in doubt."),
    "field_protocol_number": ("Αριθμός πρωτοκόλλου", "Protocol number"),
    "field_protocol_date": ("Ημερομηνία πρωτοκόλλου", "Protocol date"),
    # audit
    "actor": ("Χρήστης", "Actor"),
    "role": ("Ρόλος", "Role"),
    "when": ("Πότε", "When"),
    "targets": ("Στόχος", "Targets"),
    "filter": ("Φίλτρο", "Filter"),
    "chain_ok": (
        "Η αλυσίδα ελέγχου είναι ακέραιη ({n} εγγραφές).",
        "The hash chain is whole ({n} entries).",
    ),
    "chain_broken": (
        "Η αλυσίδα ελέγχου είναι σπασμένη στην εγγραφή {seq}: {why}",
        "The hash chain is broken at entry {seq}: {why}",
    ),
    "no_entries": ("Καμία εγγραφή.", "No entries."),
    # errors
    "forbidden": ("Δεν έχετε δικαίωμα για αυτή την ενέργεια.", "You may not do this."),
    "csrf_refused": (
        "Η φόρμα απορρίφθηκε (λείπει ή δεν ισχύει το διακριτικό ασφαλείας). Ανανεώστε τη σελίδα.",
        "The form was refused (its security token is missing or stale). Reload the page.",
    ),
    "not_found": ("Δεν βρέθηκε.", "Not found."),
    "error_title": ("Σφάλμα", "Error"),
    "back": ("Επιστροφή στην επισκόπηση", "Back to the overview"),
}

STATES: dict[str, tuple[str, str]] = {
    "pending": ("σε αναμονή", "pending"),
    "running": ("σε εξέλιξη", "running"),
    "succeeded": ("ολοκληρώθηκε", "succeeded"),
    "dead": ("απέτυχε", "dead"),
    "dismissed": ("απορρίφθηκε", "dismissed"),
    "delivered": ("παραδόθηκε", "delivered"),
    "closed": ("κλειστό", "closed"),
    "failed": ("απέτυχε", "failed"),
    "permanent": ("μόνιμο σφάλμα", "permanent error"),
    "transient": ("προσωρινό σφάλμα", "transient error"),
    "throttled": ("περιορισμός ρυθμού", "throttled"),
    "outcome_unknown": ("αβέβαιο", "in doubt"),
    "poison": ("άκυρο συμβάν", "poison event"),
    "configuration": ("σφάλμα ρυθμίσεων", "configuration error"),
    "done": ("έγινε", "done"),
    "refused": ("αρνήθηκε", "refused"),
}


class Words:
    """`t.key` or `t["key"]` in templates; `t.f("key", n=3)` fills the placeholders."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "el"
        self._index = LANGUAGES.index(self.lang)

    def __getattr__(self, key: str) -> str:
        return self[key]

    def __getitem__(self, key: str) -> str:
        pair = _PAIRS.get(key)
        return pair[self._index] if pair else key

    def f(self, key: str, **values: Any) -> str:
        return self[key].format(**values)

    def state(self, name: str | None) -> str:
        if not name:
            return "—"
        pair = STATES.get(name)
        return pair[self._index] if pair else name
