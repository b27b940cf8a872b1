-- Texts as messages (services/i18n): alarm titles and fact summaries are kept
-- as a code with parameters (JSON, schemas/src/message.ts), formatted per
-- language when read; the plain `title` / `summary` columns keep the English
-- text for integrations. NULL on rows written before this migration: they are
-- shown as their stored English text. Facts are recomputed, so theirs fill in.
ALTER TABLE alarms ADD COLUMN title_message TEXT;
ALTER TABLE daily_facts ADD COLUMN summary_message TEXT;
