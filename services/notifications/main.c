/*  wsis-notifications: the calendar of deadlines, subscriptions and the
    notification outbox (see notifications.h).

    The runtime (common/wsis_service.c) gives it its command endpoint, its
    outbox, heartbeat and events.since, and applies the events of the
    sources it follows exactly once.
*/
#include "notifications.h"
#include "wsis_actor.h"
#include "wsis_alloc.h"
#include "wsis_log.h"
#include "wsis_main.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char notifications_schema_sql [];

//  Sources whose events this service learns from (docs/design.md,
//  "Services": no service reads another's database).
static const char *const s_follows [] = { "bus", "submissions", "nominations", "voting", NULL };

//  Its own events, which the bus sends back to it.
static const char *const s_ignores [] = {
    "phase.opened", "phase.closed", "deadline.reminder", "notification.sent",
    "notification.failed", NULL
};

//  The whole of a small file, without a trailing newline, or NULL.
static char *
s_read_secret (const char *path)
{
    zfile_t *file = zfile_new (NULL, path);
    zchunk_t *chunk = file && zfile_input (file) == 0? zfile_read (file, 4096, 0): NULL;
    char *text = NULL;
    if (chunk) {
        text = (char *) zmalloc (zchunk_size (chunk) + 1);
        memcpy (text, zchunk_data (chunk), zchunk_size (chunk));
        text [strcspn (text, "\r\n")] = 0;
    }
    zchunk_destroy (&chunk);
    zfile_destroy (&file);
    return text;
}

//  The address of "Name <address>", or the whole text.
static char *
s_address (const char *from)
{
    const char *open = strchr (from, '<');
    const char *close = open? strchr (open, '>'): NULL;
    if (!close)
        return wsis_strdup (from);
    char *address = (char *) zmalloc ((size_t) (close - open));
    memcpy (address, open + 1, (size_t) (close - open - 1));
    return address;
}

//  The delivery actor, with the configured channels.
static int
s_start_delivery (wsis_service_t *service, notifications_t *self)
{
    wsis_config_t *config = wsis_service_config (service);
    const char *smtp_url = wsis_config_str (config, "notifications/smtp_url");
    const char *password_file = wsis_config_str (config, "notifications/smtp_password_file");
    if (*password_file && !(self->smtp_password = s_read_secret (password_file))) {
        wsis_log_error ("notifications/smtp_password_file: cannot read %s", password_file);
        return -1;
    }
    //  Checked here, once, rather than failing every delivery over TLS.
    const char *ca_file = wsis_config_str (config, "notifications/smtp_ca_file");
    if (*ca_file && access (ca_file, R_OK)) {
        wsis_log_error ("notifications/smtp_ca_file: cannot read %s", ca_file);
        return -1;
    }
    self->outbox_dir = zsys_sprintf ("%s/outbox", wsis_config_str (config, "wsis/data_dir"));
    self->delivery_config = (notify_delivery_config_t) {
        .outbox_dir = self->outbox_dir,
        .smtp_url = *smtp_url? smtp_url: NULL,
        .smtp_user = *wsis_config_str (config, "notifications/smtp_user")?
                     wsis_config_str (config, "notifications/smtp_user"): NULL,
        .smtp_password = self->smtp_password,
        .smtp_from = self->smtp_from,
        .timeout_ms = wsis_config_int (config, "notifications/timeout_ms"),
        .starttls = wsis_config_bool (config, "notifications/smtp_starttls"),
        .smtp_ca_file = *ca_file? ca_file: NULL,
    };
    self->people_channel = *smtp_url? NOTIFY_CHANNEL_SMTP: NOTIFY_CHANNEL_FILE;
    self->worker_count = (size_t) wsis_config_int (config, "notifications/workers");
    for (size_t i = 0; i < self->worker_count; i++) {
        self->workers [i] = zactor_new (notify_delivery_actor, &self->delivery_config);
        //  An actor stops reading when the process is interrupted (Ctrl-C
        //  reaches every process of make run), and a send to its pipe
        //  would then block the loop for ever: never wait to hand over a
        //  delivery. One not handed over stays ready and goes next time.
        zsock_set_sndtimeo (zactor_sock (self->workers [i]), 0);
        zloop_reader (wsis_service_loop (service), zactor_sock (self->workers [i]),
                      notify_outgoing_on_done, service);
    }
    return 0;
}

static void s_stop (wsis_service_t *service);

static int
s_open (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    wsis_config_t *config = wsis_service_config (service);
    //  No timer yet (s_stop reads these on every path).
    self->answers_timer = self->send_timer = -1;
    if (sodium_init () < 0) {
        wsis_log_error ("notifications: libsodium cannot be initialised");
        return -1;
    }
    char *error = NULL;
    self->staff = notify_staff_load (wsis_config_str (config, "wsis/staff"),
                                     wsis_service_calendar (service),
                                     wsis_config_bool (config, "notifications/require_staff"),
                                     &error);
    if (self->staff)
        self->templates = notify_templates_load (wsis_config_str (config, "notifications/templates"),
                                                 &error);
    if (!self->templates) {
        wsis_log_error ("%s", error? error: "cannot load the staff file or the templates");
        free (error);
        return -1;
    }
    self->from = wsis_config_str (config, "notifications/from");
    self->smtp_from = s_address (self->from);
    self->unsubscribe_mailto = wsis_config_str (config, "notifications/unsubscribe_mailto");
    self->unsubscribe_url = wsis_config_str (config, "notifications/unsubscribe_url");
    self->retry_base_ms = wsis_config_int (config, "notifications/retry_base_ms");
    self->retry_max = wsis_config_int (config, "notifications/retry_max");
    self->in_flight_max = (size_t) wsis_config_int (config, "notifications/in_flight");
    self->sending = zhashx_new ();
    self->answers = zlistx_new ();
    zlistx_set_destructor (self->answers, notify_answer_destroy);

    //  Look at the store once before trusting the hints.
    self->next_due = 0;
    self->ready_waiting = true;
    if (s_start_delivery (service, self))
        return -1;
    return notify_calendar_sync (service);
}

//  What a failed start made is freed here: stop runs only after a start
//  that succeeded.
static int
s_start (wsis_service_t *service)
{
    if (s_open (service) == 0)
        return 0;
    s_stop (service);
    return -1;
}

//  A batch was rolled back: the hints may speak of rows that are not
//  there; look at the store again.
static void
s_rolled_back (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    self->next_due = 0;
    self->ready_waiting = true;
}

static void
s_stop (wsis_service_t *service)
{
    notifications_t *self = (notifications_t *) wsis_service_state (service);
    if (self->send_timer != -1)
        zloop_timer_end (wsis_service_loop (service), self->send_timer);
    self->send_timer = -1;
    if (self->answers)
        notify_outgoing_flush (service);
    for (size_t i = 0; i < self->worker_count; i++) {
        zloop_reader_end (wsis_service_loop (service), zactor_sock (self->workers [i]));
        wsis_actor_destroy (&self->workers [i]);
    }
    self->worker_count = 0;
    zlistx_destroy (&self->answers);
    notify_templates_destroy (&self->templates);
    notify_staff_destroy (&self->staff);
    zhashx_destroy (&self->sending);
    zstr_free (&self->outbox_dir);
    zstr_free (&self->smtp_password);
    zstr_free (&self->smtp_from);
}

static const wsis_service_def_t s_service = {
    .name = "notifications",
    .version = WSIS_VERSION,
    .schema = notifications_schema_sql,   //  linked in from schema.sql (see the Makefile)
    .ops = notifications_ops,
    .follows = s_follows,
    .start = s_start,
    .apply = notify_events_apply,
    .tick = notify_due_tick,
    .rolled_back = s_rolled_back,
    .stop = s_stop,
    .ignores = s_ignores,
};

int
main (int argc, char *argv [])
{
    notifications_t notifications = { 0 };
    return wsis_main (&s_service, &notifications, argc, argv);
}
