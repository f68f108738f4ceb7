import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteJob;
import com.almworks.sqlite4java.SQLiteQueue;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.lang.reflect.Field;
import java.net.BindException;
import java.util.Arrays;
import java.util.Map;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.AbstractLocalDynamoDBServerHandler;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.shared.access.LocalDBClient;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccess;

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
 * Its SQLite database is put in write-ahead-log mode before it listens (see `writeAheadLog`) and it
 * prints "journal MODE", the mode the database is in ("wal"; "memory" with -inMemory; "unchanged: WHY"
 * when DynamoDB Local's insides were not as expected, and it runs as it would have).
 *
 * Prints "listening HOST:PORT" once it accepts connections; exits 98 when the port is taken.
 */
public final class LoopbackDynamoDbLocal {
  private static final int ADDRESS_IN_USE = 98;
  private static final String WRITE_AHEAD_LOG = "wal";
  /** The log's size that calls for a checkpoint. */
  private static final int LOG_CHECKPOINT_BYTES = 16 * 1024 * 1024;

  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer dynamoDb = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Server jetty = (Server) field(DynamoDBProxyServer.class, "server").get(dynamoDb);
    for (Connector connector : jetty.getConnectors()) ((ServerConnector) connector).setHost(host);
    try {
      // safeStart, unlike start, reports a failed bind instead of printing it and carrying on.
      dynamoDb.safeStart();
    } catch (Exception error) {
      System.err.println("DynamoDB Local could not start: " + error.getMessage());
      System.exit(isBindFailure(error) ? ADDRESS_IN_USE : 1);
    }
    System.out.println("journal " + writeAheadLog(dynamoDb));
    System.out.println("listening " + host + ":" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    while (System.in.read() >= 0) {
      // Nothing is ever written: the pipe only tells that the starting process is still there.
    }
    dynamoDb.stop();
    System.exit(0);
  }

  /**
   * DynamoDB Local leaves SQLite in its default rollback-journal mode, where each write creates, syncs
   * and deletes a journal file beside the database: under the throughput bench's full load a data
   * folder's writes took twice as long as the in-memory database's, and 8 writers made 150 puts a
   * second against 310-320 in write-ahead-log mode (docs/performance.md, "DynamoDB Local's database
   * in write-ahead-log mode"). In that mode a write appends to one log, and `synchronous=FULL` syncs it
   * at every commit, so a write DynamoDB Local answered survives a crash of the machine as before, and
   * a kill -9 of the process all the more. Opens the shared database first (DynamoDB Local opens it at
   * the first request), runs the pragmas on its one connection through its own queue, and keeps the
   * log bounded (`checkpointWhenLarge`).
   */
  private static String writeAheadLog(DynamoDBProxyServer dynamoDb) {
    try {
      AbstractLocalDynamoDBServerHandler serverHandler = (AbstractLocalDynamoDBServerHandler) field(DynamoDBProxyServer.class, "serverHandler").get(dynamoDb);
      LocalDynamoDBRequestHandler requests = (LocalDynamoDBRequestHandler) field(AbstractLocalDynamoDBServerHandler.class, "primaryHandler").get(serverHandler);
      requests.listTables("local", "local", ListTablesRequest.builder().build());
      Map<?, ?> databases = (Map<?, ?>) field(LocalDynamoDBRequestHandler.class, "dbRequestHandlers").get(requests);
      if (databases.size() != 1) return "unchanged: " + databases.size() + " databases, not the one shared";
      SQLiteDBAccess database = (SQLiteDBAccess) field(LocalDBClient.class, "dbAccess").get(databases.values().iterator().next());
      SQLiteQueue queue = (SQLiteQueue) field(SQLiteDBAccess.class, "queue").get(database);
      String mode = queue.execute(new SQLiteJob<String>() {
        @Override
        protected String job(SQLiteConnection connection) throws Throwable {
          SQLiteStatement journalMode = connection.prepare("PRAGMA journal_mode=WAL");
          try {
            journalMode.step();
            connection.exec("PRAGMA synchronous=FULL");
            // Once a checkpoint has started the log again, the next write empties its file, so the
            // file's size is what the log holds.
            connection.exec("PRAGMA journal_size_limit=0");
            return journalMode.columnString(0);
          } finally {
            journalMode.dispose();
          }
        }
      }).complete();
      if (WRITE_AHEAD_LOG.equals(mode)) {
        File databaseFile = (File) field(SQLiteDBAccess.class, "databaseFile").get(database);
        checkpointWhenLarge(queue, new File(databaseFile.getPath() + "-wal"));
      }
      return mode;
    } catch (Exception | LinkageError error) {
      return "unchanged: " + error;
    }
  }

  /**
   * SQLite's own checkpoints after a commit never ran under DynamoDB Local: 8 writers grew the log to
   * 188 MB in 40 s while the database file stayed empty. A RESTART checkpoint, run between DynamoDB
   * Local's jobs in its queue (none of its statements open), copies the log into the database and has
   * the next write start the log from the beginning, emptying its file (a journal size limit of 0).
   * Looked at each second and checkpointed once past 16 MiB, the log stayed under 20 MB under the
   * same writers, checkpointed every 5-6 s. A checkpoint every second kept it at 4 MB but cost the
   * throughput bench's full load what the log had gained. A checkpoint that fails is tried again a
   * second later; the thread ends with the process.
   */
  private static void checkpointWhenLarge(SQLiteQueue queue, File log) {
    Thread checkpoints = new Thread(() -> {
      while (!queue.isStopped()) {
        try {
          Thread.sleep(1_000);
          if (log.length() < LOG_CHECKPOINT_BYTES) continue;
          queue.execute(new SQLiteJob<Void>() {
            @Override
            protected Void job(SQLiteConnection connection) throws Throwable {
              connection.exec("PRAGMA wal_checkpoint(RESTART)");
              return null;
            }
          }).complete();
        } catch (InterruptedException stopping) {
          return;
        } catch (RuntimeException failed) {
          System.err.println("DynamoDB Local's log was not checkpointed (tried again in a second): " + failed);
        }
      }
    }, "wal-checkpoint");
    checkpoints.setDaemon(true);
    checkpoints.start();
  }

  private static Field field(Class<?> owner, String name) throws NoSuchFieldException {
    Field field = owner.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }

  private static boolean isBindFailure(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) return true;
    }
    return false;
  }
}
