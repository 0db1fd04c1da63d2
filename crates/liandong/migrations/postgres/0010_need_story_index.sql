-- The story index whole: a partial one (WHERE story_key <> '') is not used
-- by a query that compares story_key with a parameter, as the duplicate
-- search does, on either engine.
DROP INDEX needs_story;
CREATE INDEX needs_story ON needs (story_key);
