ALTER TABLE "lotwise_app"."classifications" DROP CONSTRAINT "classifications_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "lotwise_app"."ledger_rows" DROP CONSTRAINT "ledger_rows_user_id_users_id_fk";
--> statement-breakpoint
-- Custom (ledger write cost): the foreign keys of ledger_rows and classifications to users checked
-- the user row once for every row a ledger build writes, about half the cost of the bulk write.
-- Both tables are derived (rebuilt from synced and imported data), and only lotwise writes them,
-- for users it has just read. A user's deletion still removes them, once per statement:
CREATE FUNCTION "lotwise_app"."cascade_user_derived"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The ledger_rows delete trigger must not bump a version for a user that no longer exists.
  PERFORM set_config('lotwise.ledger_user', '', true);
  DELETE FROM "lotwise_app"."ledger_rows" WHERE "user_id" IN (SELECT "id" FROM "gone");
  DELETE FROM "lotwise_app"."classifications" WHERE "user_id" IN (SELECT "id" FROM "gone");
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "users_cascade_derived" AFTER DELETE ON "lotwise_app"."users"
  REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."cascade_user_derived"();
