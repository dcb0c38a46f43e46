import PostgresNIO
import Store
