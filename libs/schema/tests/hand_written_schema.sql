-- The schema the services' hand-written creators made, as they last made it (pg_dump --schema-only
-- of a database that versioning's and the gateway's startup created before migrations).
CREATE FUNCTION public.events_are_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION 'the event log is append-only';
    END $$;

CREATE TABLE public.accepted_sessions (
    session_id uuid NOT NULL,
    owner character varying NOT NULL,
    name character varying,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.accepted_tasks (
    task_id uuid NOT NULL,
    session_id uuid NOT NULL,
    owner character varying NOT NULL,
    kind character varying NOT NULL,
    filename character varying,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.api_keys (
    key_id character varying NOT NULL,
    key_hash character varying NOT NULL,
    name character varying NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    scope text DEFAULT 'read-write'::text NOT NULL,
    revoked_at timestamp with time zone
);

CREATE TABLE public.chat_logs (
    chat_message_id uuid NOT NULL,
    session_id uuid NOT NULL,
    role character varying NOT NULL,
    text text NOT NULL,
    node_id uuid,
    task_id uuid,
    created_at timestamp with time zone NOT NULL,
    "position" integer NOT NULL
);

CREATE TABLE public.dead_letters (
    dead_letter_id uuid NOT NULL,
    dead_lettered_at timestamp with time zone NOT NULL,
    topic character varying NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset integer NOT NULL,
    group_id character varying NOT NULL,
    original_type character varying,
    original_message_id uuid,
    session_id uuid,
    task_id uuid,
    code character varying NOT NULL,
    reason text NOT NULL,
    attempts integer NOT NULL,
    body bytea NOT NULL,
    body_truncated boolean NOT NULL,
    replayed_at timestamp with time zone
);

CREATE TABLE public.events (
    "position" bigint NOT NULL,
    stream_id text NOT NULL,
    stream_version integer NOT NULL,
    event_id uuid NOT NULL,
    type text NOT NULL,
    schema_version integer NOT NULL,
    payload jsonb NOT NULL,
    metadata jsonb NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    sealed bytea,
    CONSTRAINT events_stream_version_check CHECK ((stream_version >= 1))
);

CREATE SEQUENCE public.events_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.events_position_seq OWNED BY public.events."position";

CREATE TABLE public.idempotent_requests (
    owner character varying NOT NULL,
    key character varying NOT NULL,
    fingerprint character varying,
    status integer,
    headers jsonb,
    body bytea,
    session_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.nodes (
    node_id uuid NOT NULL,
    session_id uuid NOT NULL,
    parent_id uuid,
    storage_uri character varying NOT NULL,
    content_hash character varying NOT NULL,
    row_count integer NOT NULL,
    column_count integer NOT NULL,
    columns jsonb NOT NULL,
    created_by_message_id uuid,
    description character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    "position" integer NOT NULL,
    profile_uri character varying,
    plan jsonb,
    task_id uuid
);

CREATE TABLE public.processed_messages (
    consumer text NOT NULL,
    message_id uuid NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.projection_checkpoints (
    name character varying NOT NULL,
    "position" integer NOT NULL
);

CREATE TABLE public.relay_checkpoints (
    name text NOT NULL,
    "position" bigint NOT NULL
);

CREATE TABLE public.session_keys (
    session_id uuid NOT NULL,
    key bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    shredded_at timestamp with time zone,
    CONSTRAINT session_keys_check CHECK (((key IS NULL) = (shredded_at IS NOT NULL)))
);

CREATE TABLE public.sessions (
    session_id uuid NOT NULL,
    owner character varying NOT NULL,
    name character varying,
    head_node_id uuid,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.skipped_events (
    "position" integer NOT NULL,
    session_id uuid NOT NULL,
    event_type character varying NOT NULL,
    reason character varying NOT NULL,
    skipped_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.skipped_events_position_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.skipped_events_position_seq OWNED BY public.skipped_events."position";

CREATE TABLE public.tasks (
    task_id uuid NOT NULL,
    session_id uuid NOT NULL,
    status character varying NOT NULL,
    stage character varying NOT NULL,
    node_id uuid,
    error_code character varying,
    error character varying,
    plan jsonb,
    code text,
    explanation text,
    summary jsonb,
    reply text,
    question text,
    events jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.events ALTER COLUMN "position" SET DEFAULT nextval('public.events_position_seq'::regclass);

ALTER TABLE ONLY public.skipped_events ALTER COLUMN "position" SET DEFAULT nextval('public.skipped_events_position_seq'::regclass);

ALTER TABLE ONLY public.accepted_sessions
    ADD CONSTRAINT accepted_sessions_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.accepted_tasks
    ADD CONSTRAINT accepted_tasks_pkey PRIMARY KEY (task_id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (key_id);

ALTER TABLE ONLY public.chat_logs
    ADD CONSTRAINT chat_logs_pkey PRIMARY KEY (chat_message_id);

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (dead_letter_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY ("position");

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_stream_id_stream_version_key UNIQUE (stream_id, stream_version);

ALTER TABLE ONLY public.idempotent_requests
    ADD CONSTRAINT idempotent_requests_pkey PRIMARY KEY (owner, key);

ALTER TABLE ONLY public.nodes
    ADD CONSTRAINT nodes_pkey PRIMARY KEY (node_id);

ALTER TABLE ONLY public.processed_messages
    ADD CONSTRAINT processed_messages_pkey PRIMARY KEY (consumer, message_id);

ALTER TABLE ONLY public.projection_checkpoints
    ADD CONSTRAINT projection_checkpoints_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.relay_checkpoints
    ADD CONSTRAINT relay_checkpoints_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.session_keys
    ADD CONSTRAINT session_keys_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.skipped_events
    ADD CONSTRAINT skipped_events_pkey PRIMARY KEY ("position");

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (task_id);

CREATE INDEX ix_accepted_sessions_owner ON public.accepted_sessions USING btree (owner);

CREATE INDEX ix_accepted_tasks_owner ON public.accepted_tasks USING btree (owner);

CREATE INDEX ix_accepted_tasks_session_id ON public.accepted_tasks USING btree (session_id);

CREATE INDEX ix_chat_logs_session_id ON public.chat_logs USING btree (session_id);

CREATE INDEX ix_dead_letters_session_id ON public.dead_letters USING btree (session_id);

CREATE INDEX ix_idempotent_requests_created_at ON public.idempotent_requests USING btree (created_at);

CREATE INDEX ix_idempotent_requests_session_id ON public.idempotent_requests USING btree (session_id);

CREATE INDEX ix_nodes_session_id ON public.nodes USING btree (session_id);

CREATE INDEX ix_sessions_owner ON public.sessions USING btree (owner);

CREATE INDEX ix_skipped_events_session_id ON public.skipped_events USING btree (session_id);

CREATE INDEX ix_tasks_session_id ON public.tasks USING btree (session_id);

CREATE TRIGGER events_append_only BEFORE DELETE OR UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION public.events_are_append_only();

