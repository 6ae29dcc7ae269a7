import Foundation
import Runtime

exit(Application.main(arguments: Array(CommandLine.arguments.dropFirst())))
