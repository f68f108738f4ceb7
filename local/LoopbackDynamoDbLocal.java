import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteException;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.lang.reflect.Field;
import java.net.BindException;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Amazon's DynamoDB Local, listening on one address and living no longer than the process that
 * started it. Run from source by `java` (no build step):
 *
 *   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java HOST [DynamoDB Local options]
 *
 * DynamoDB Local has no bind option: its ServerRunner builds a Jetty `Server(port)`, which listens on
 * every interface. This builds the same server from the same options and sets its connector's host
 * before starting it, so nothing but HOST can reach the table.
 *
 * It exits when its standard input closes. The starting process holds the other end of that pipe,
 * and the kernel closes it however that process ends (kill -9 included), so no DynamoDB Local is
 * left behind holding the port and the data folder.
 *
 * On disk with -sharedDb, the table's SQLite file is put in write-ahead-log mode before DynamoDB
 * Local opens it (see useWriteAheadLog).
 *
 * Prints "listening HOST:PORT" once it accepts connections; exits 98 when the port is taken.
 */
public final class LoopbackDynamoDbLocal {
  private static final int ADDRESS_IN_USE = 98;
  /** The file DynamoDB Local keeps every table in under -sharedDb. */
  private static final String SHARED_DATABASE = "shared-local-instance.db";
  /** Extracts the SQLite native library DynamoDB Local ships and loads it, once per process. */
  private static final String SQLITE_LOADER = "software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteLibraryLoader";

  public static void main(String[] args) throws Exception {
    String host = args[0];
    useWriteAheadLog(Arrays.asList(args).subList(1, args.length));
    DynamoDBProxyServer dynamoDb = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field serverField = DynamoDBProxyServer.class.getDeclaredField("server");
    serverField.setAccessible(true);
    Server jetty = (Server) serverField.get(dynamoDb);
    for (Connector connector : jetty.getConnectors()) ((ServerConnector) connector).setHost(host);
    try {
      // safeStart, unlike start, reports a failed bind instead of printing it and carrying on.
      dynamoDb.safeStart();
    } catch (Exception error) {
      System.err.println("DynamoDB Local could not start: " + error.getMessage());
      System.exit(isBindFailure(error) ? ADDRESS_IN_USE : 1);
    }
    System.out.println("listening " + host + ":" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    while (System.in.read() >= 0) {
      // Nothing is ever written: the pipe only tells that the starting process is still there.
    }
    dynamoDb.stop();
    System.exit(0);
  }

  /**
   * DynamoDB Local leaves SQLite in its default rollback-journal mode, where every write commits by
   * syncing a journal, then the database, to disk. In write-ahead-log mode a commit syncs the log
   * alone, and is as durable: SQLite's synchronous setting stays FULL.
   * The mode is kept in the file itself, so setting it once before DynamoDB Local opens the file is
   * enough, and a file written before this is converted at its next start. When it cannot be set (a
   * file system without shared memory for the log's index), DynamoDB Local runs as it did.
   */
  private static void useWriteAheadLog(List<String> options) {
    int dbPath = options.indexOf("-dbPath");
    if (dbPath < 0 || dbPath + 1 >= options.size() || !options.contains("-sharedDb")) return;
    try {
      // DynamoDB Local's own copy of SQLite first: sqlite4java then finds it loaded and loads none of
      // its own. Two copies in one process crash it (seen: SIGSEGV in sqlite3_exec at the next start).
      Class.forName(SQLITE_LOADER).getMethod("initialize").invoke(null);
    } catch (ReflectiveOperationException error) {
      System.err.println("DynamoDB Local's file stays in its journal mode: its SQLite loader is not " + SQLITE_LOADER + " (" + error + ")");
      return;
    }
    SQLiteConnection database = new SQLiteConnection(new File(options.get(dbPath + 1), SHARED_DATABASE));
    try {
      database.open(true);
      SQLiteStatement journalMode = database.prepare("PRAGMA journal_mode=WAL");
      // The pragma answers with the mode in force, which is the old one when it could not be changed.
      String mode = journalMode.step() ? journalMode.columnString(0) : "unknown";
      journalMode.dispose();
      if (!"wal".equalsIgnoreCase(mode)) System.err.println("DynamoDB Local's file stays in " + mode + " journal mode");
    } catch (SQLiteException error) {
      System.err.println("DynamoDB Local's file stays in its journal mode: " + error.getMessage());
    } finally {
      database.dispose();
    }
  }

  private static boolean isBindFailure(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) return true;
    }
    return false;
  }
}
