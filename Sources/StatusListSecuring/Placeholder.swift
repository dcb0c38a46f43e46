import StatusList
import Signing
