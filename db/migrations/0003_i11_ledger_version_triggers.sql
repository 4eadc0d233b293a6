-- Custom migration (issue #11): every statement that writes lotwise_app.ledger_rows bumps the
-- written users' ledger version, so caches keyed by (user, version) see any change, whoever wrote it.
CREATE FUNCTION "lotwise_app"."bump_ledger_version_new"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "lotwise_app"."ledger_versions" ("user_id", "version", "changed_at")
    SELECT DISTINCT "user_id", 1, now() FROM "changed"
    ON CONFLICT ("user_id") DO UPDATE SET "version" = "ledger_versions"."version" + 1, "changed_at" = now();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "ledger_rows_version_insert" AFTER INSERT ON "lotwise_app"."ledger_rows"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
--> statement-breakpoint
CREATE TRIGGER "ledger_rows_version_update" AFTER UPDATE ON "lotwise_app"."ledger_rows"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
--> statement-breakpoint
CREATE TRIGGER "ledger_rows_version_delete" AFTER DELETE ON "lotwise_app"."ledger_rows"
  REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
