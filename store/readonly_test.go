package store

import "database/sql"

// openReadOnly opens an existing database read-only, standing in for a disk
// that refuses writes (file modes do not stop root).
func openReadOnly(path string) (*Store, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=1000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &Store{db: db, path: path}, nil
}
