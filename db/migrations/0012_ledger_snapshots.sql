CREATE TABLE "lotwise_app"."ledger_snapshots" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"format" integer NOT NULL,
	"notes" text NOT NULL,
	"csv" "bytea" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_snapshots" ADD CONSTRAINT "ledger_snapshots_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "lotwise_app"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Custom: the CSV is compressed before it is stored; PostgreSQL stores it as it comes instead of
-- trying to compress it again.
ALTER TABLE "lotwise_app"."ledger_snapshots" ALTER COLUMN "csv" SET STORAGE EXTERNAL;
