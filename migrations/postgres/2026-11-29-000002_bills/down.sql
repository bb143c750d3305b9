DROP TABLE events;
DROP TABLE bills;
DROP TABLE sessions;
