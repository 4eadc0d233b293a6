-- Custom migration (issue #11): imported Forms 1099-DA route Form 8949 rows to boxes G-L, so a
-- change to a user's form rows changes their gains as a ledger change does. Every statement that
-- writes lotwise_app.form1099da_rows bumps the written users' ledger version (the function of
-- 0003), and caches keyed by (user, version) recompute.
CREATE TRIGGER "form1099da_rows_version_insert" AFTER INSERT ON "lotwise_app"."form1099da_rows"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
--> statement-breakpoint
CREATE TRIGGER "form1099da_rows_version_update" AFTER UPDATE ON "lotwise_app"."form1099da_rows"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
--> statement-breakpoint
CREATE TRIGGER "form1099da_rows_version_delete" AFTER DELETE ON "lotwise_app"."form1099da_rows"
  REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "lotwise_app"."bump_ledger_version_new"();
