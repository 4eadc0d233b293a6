CREATE TABLE "lotwise_app"."import_accounts" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" text NOT NULL,
	"family" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lotwise_app"."import_records" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"account" text NOT NULL,
	"external_id" text NOT NULL,
	"format" text NOT NULL,
	"file" text NOT NULL,
	"line" integer NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"fingerprint" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lotwise_app"."import_accounts" ADD CONSTRAINT "import_accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lotwise_app"."import_records" ADD CONSTRAINT "import_records_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "import_accounts_user_name_uq" ON "lotwise_app"."import_accounts" USING btree ("user_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "import_records_user_account_ext_uq" ON "lotwise_app"."import_records" USING btree ("user_id","account","external_id");--> statement-breakpoint
CREATE INDEX "import_records_user_time_idx" ON "lotwise_app"."import_records" USING btree ("user_id","time");