import Client
import Testing
