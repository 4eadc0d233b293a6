ALTER TABLE "lotwise_app"."import_records" DROP CONSTRAINT "import_records_user_id_users_id_fk";
--> statement-breakpoint
-- Custom (import cost): the foreign key of import_records to users checked the user row for every
-- imported row, about a third of storing a 100,000-row export on PGlite. Only lotwise writes the
-- table, for a user it has just read. A user's deletion still removes its import records, once
-- per statement, in 0009's trigger on users (which now deletes them beside the derived rows):
CREATE OR REPLACE FUNCTION "lotwise_app"."cascade_user_derived"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The ledger_rows delete trigger must not bump a version for a user that no longer exists.
  PERFORM set_config('lotwise.ledger_user', '', true);
  DELETE FROM "lotwise_app"."ledger_rows" WHERE "user_id" IN (SELECT "id" FROM "gone");
  DELETE FROM "lotwise_app"."classifications" WHERE "user_id" IN (SELECT "id" FROM "gone");
  DELETE FROM "lotwise_app"."import_records" WHERE "user_id" IN (SELECT "id" FROM "gone");
  RETURN NULL;
END $$;
