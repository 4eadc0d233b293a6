CREATE TABLE "lotwise_app"."ledger_versions" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."sync_run_wallets" (
	"run_id" integer NOT NULL,
	"wallet_id" integer NOT NULL,
	"wallet" text NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"result" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_run_wallets_pk" PRIMARY KEY("run_id","wallet_id")
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."sync_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"retry_of" integer,
	"ledger" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."sync_schedules" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"cron" text DEFAULT '0 3 * * *' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_versions" ADD CONSTRAINT "ledger_versions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."sync_run_wallets" ADD CONSTRAINT "sync_run_wallets_run_id_sync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "lotwise_app"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."sync_runs" ADD CONSTRAINT "sync_runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."sync_schedules" ADD CONSTRAINT "sync_schedules_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_runs_user_idx" ON "lotwise_app"."sync_runs" USING btree ("user_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_runs_one_active_uq" ON "lotwise_app"."sync_runs" USING btree ("user_id") WHERE status in ('queued', 'running');