import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteJob;
import com.almworks.sqlite4java.SQLiteQueue;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.AbstractLocalDynamoDBServerHandler;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.shared.access.LocalDBClient;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccess;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccessJob;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteIndexElement;
import software.amazon.dynamodb.services.local.shared.access.sqlite.TableSchemaInfo;
import software.amazon.dynamodb.services.local.shared.mapper.DynamoDbObjectMapper;

/**
 * Amazon's DynamoDB Local, listening on one address and living no longer than the process that
 * started it. Run from source by `java` (no build step):
 *
 *   java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java HOST [DynamoDB Local options]
 *
 * DynamoDB Local has no bind option: its ServerRunner builds a Jetty `Server(port)`, which listens on
 * every interface. This builds the same server from the same options and sets its connector's host
 * before starting it, so nothing but HOST can reach the table. It answers only requests addressed to
 * this machine by name (see `answerThisMachineOnly`).
 *
 * It exits when its standard input closes. The starting process holds the other end of that pipe,
 * and the kernel closes it however that process ends (kill -9 included), so no DynamoDB Local is
 * left behind holding the port and the data folder.
 *
 * Its SQLite database is put in write-ahead-log mode before it listens (see `writeAheadLog`) and it
 * prints "journal MODE", the mode the database is in ("wal"; "memory" with -inMemory; "unchanged: WHY"
 * when DynamoDB Local's insides were not as expected, and it runs as it would have). It prints
 * "schemas remembered" once each table's schema is parsed once rather than at every call (see
 * `rememberSchemas`), else "schemas unchanged: WHY".
 *
 * Prints "listening HOST:PORT" once it accepts connections; exits 98 when the port is taken.
 */
public final class LoopbackDynamoDbLocal {
  private static final int ADDRESS_IN_USE = 98;
  private static final String WRITE_AHEAD_LOG = "wal";
  /** The log's size that calls for a checkpoint. */
  private static final int LOG_CHECKPOINT_BYTES = 16 * 1024 * 1024;
  /** local/this-machine-only.ts's rules and answers, which every other local stand-in applies. */
  private static final Pattern THIS_MACHINE_HOST = Pattern.compile("^(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d{1,5})?$", Pattern.CASE_INSENSITIVE);
  private static final Pattern THIS_MACHINE_ORIGIN = Pattern.compile("^https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d{1,5})?$", Pattern.CASE_INSENSITIVE);
  /** A host name and port as a Host header gives them, and an origin as browsers send it. */
  private static final Pattern HOST_AND_PORT = Pattern.compile("^([a-z0-9.-]+)(:\\d{1,5})?$", Pattern.CASE_INSENSITIVE);
  private static final Pattern WEB_ORIGIN = Pattern.compile("^https?://(.+)$", Pattern.CASE_INSENSITIVE);
  private static final String NOT_THIS_MACHINE = "{\"message\":\"leadflow answers local requests addressed to localhost, 127.0.0.1 or [::1] only; this one names another host (LEADFLOW_ALLOWED_HOSTS lists more names to answer)\"}";
  private static final String NOT_THIS_MACHINE_PAGE = "{\"message\":\"this leadflow stand-in answers pages of this machine only (an Origin of localhost, 127.0.0.1 or [::1]); this request came from a page elsewhere (LEADFLOW_ALLOWED_HOSTS lists more names to answer)\"}";

  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer dynamoDb = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Server jetty = (Server) field(DynamoDBProxyServer.class, "server").get(dynamoDb);
    for (Connector connector : jetty.getConnectors()) ((ServerConnector) connector).setHost(host);
    answerThisMachineOnly(jetty);
    try {
      // safeStart, unlike start, reports a failed bind instead of printing it and carrying on.
      dynamoDb.safeStart();
    } catch (Exception error) {
      System.err.println("DynamoDB Local could not start: " + error.getMessage());
      System.exit(isBindFailure(error) ? ADDRESS_IN_USE : 1);
    }
    System.out.println("schemas " + rememberSchemas());
    System.out.println("journal " + writeAheadLog(dynamoDb));
    System.out.println("listening " + host + ":" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    while (System.in.read() >= 0) {
      // Nothing is ever written: the pipe only tells that the starting process is still there.
    }
    dynamoDb.stop();
    System.exit(0);
  }

  /**
   * Refuses, with a 403, every request whose Host does not name this machine or that a web page
   * elsewhere sent, before DynamoDB Local reads it: a page that got its own name pointed at 127.0.0.1
   * (DNS rebinding) would otherwise scan the table as its own origin, since DynamoDB Local accepts any
   * signature.
   */
  private static void answerThisMachineOnly(Server jetty) {
    // The names besides this machine's that the starting process passes (LEADFLOW_ALLOWED_HOSTS).
    Set<String> allowed = new LinkedHashSet<>();
    for (String name : System.getProperty("leadflow.allowedHosts", "").split(",")) if (!name.isBlank()) allowed.add(name.trim().toLowerCase(Locale.ROOT));
    jetty.setHandler(new Handler.Wrapper(jetty.getHandler()) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get(HttpHeader.HOST);
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        String refusal = host == null || !(THIS_MACHINE_HOST.matcher(host).matches() || allowed.contains(hostName(host)))
            ? NOT_THIS_MACHINE
            : origin != null && !(THIS_MACHINE_ORIGIN.matcher(origin).matches() || allowed.contains(originHostName(origin))) ? NOT_THIS_MACHINE_PAGE : null;
        if (refusal == null) return super.handle(request, response, callback);
        response.setStatus(403);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(refusal.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
    });
  }

  /** `host` without its port, lower case, when it is a name and port as a Host header gives them; else "". */
  private static String hostName(String host) {
    Matcher matcher = HOST_AND_PORT.matcher(host);
    return matcher.matches() ? matcher.group(1).toLowerCase(Locale.ROOT) : "";
  }

  private static String originHostName(String origin) {
    Matcher matcher = WEB_ORIGIN.matcher(origin);
    return matcher.matches() ? hostName(matcher.group(1)) : "";
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

  /**
   * DynamoDB Local reads a table's schema from its SQLite metadata and parses it with Jackson at every
   * call on the table, twice for most: for the table's description (`SQLiteDBAccess`'s static
   * `MAPPER`) and for the item's columns (`SQLiteDBAccessJob.getTableSchemaInfo2`, through that
   * class's own static `MAPPER`). Those parses were most of the Java work of the thread every SQLite
   * call runs on, one at a time (Java Flight Recorder under a 10,000-recipient campaign;
   * docs/performance.md, "DynamoDB Local parses each schema once"). This puts one `RememberedSchemas`
   * mapper in both fields' place, set before any call is served. A static final field takes no
   * reflective write, so Unsafe writes it; each class is initialised first, or its own initialiser
   * would write it back.
   */
  private static String rememberSchemas() {
    try {
      List<Field> mappers = new ArrayList<>();
      for (Class<?> owner : List.of(SQLiteDBAccess.class, SQLiteDBAccessJob.class)) {
        Class.forName(owner.getName(), true, LoopbackDynamoDbLocal.class.getClassLoader());
        Field mapper = owner.getDeclaredField("MAPPER");
        if (mapper.getType() != DynamoDbObjectMapper.class || !Modifier.isStatic(mapper.getModifiers())) return "unchanged: " + owner.getSimpleName() + "'s mapper is not as expected";
        mappers.add(mapper);
      }
      Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
      RememberedSchemas remembered = new RememberedSchemas();
      for (Field mapper : mappers) unsafe.putObject(unsafe.staticFieldBase(mapper), unsafe.staticFieldOffset(mapper), remembered);
      return "remembered";
    } catch (Exception | LinkageError error) {
      return "unchanged: " + error;
    }
  }

  /**
   * DynamoDB Local's mapper, which parses each schema blob once and answers later reads of the same
   * bytes with a copy of that parse. A copy, because DynamoDB Local changes the schema it read before
   * writing it back (a table's time-to-live attribute, its indexes): a shared object would carry the
   * change to a later table whose schema is the same bytes. The key is the blob itself, so any change
   * written is a new key. Should a schema ever hold a kind of object `unshared` does not know, it stops
   * remembering and parses every time, as DynamoDB Local does.
   */
  static final class RememberedSchemas extends DynamoDbObjectMapper {
    private static final long serialVersionUID = 1L;
    /** Tables of a test run come and go; a few hundred schemas of a few KB each is all it keeps. */
    private static final int KEPT = 256;
    private final Map<Blob, TableSchemaInfo> parsed = new LinkedHashMap<>(KEPT, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Blob, TableSchemaInfo> eldest) {
        return size() > KEPT;
      }
    };
    private volatile boolean copying = true;

    @Override
    public <T> T readValue(byte[] content, Class<T> type) throws IOException {
      if (type != TableSchemaInfo.class || !copying) return super.readValue(content, type);
      Blob key = new Blob(content);
      TableSchemaInfo known;
      synchronized (parsed) {
        known = parsed.get(key);
      }
      if (known == null) {
        known = super.readValue(content, TableSchemaInfo.class);
        synchronized (parsed) {
          parsed.put(key, known);
        }
      }
      try {
        return type.cast(unshared(known));
      } catch (ReflectiveOperationException | UnsupportedOperationException unknownShape) {
        copying = false;
        System.err.println("DynamoDB Local's schemas are parsed at every call again: " + unknownShape);
        return super.readValue(content, type);
      }
    }
  }

  /**
   * A schema blob as a map key: its bytes, compared whole. Hashed by CRC32C, which the JVM runs as one
   * instruction a few bytes at a time, where `Arrays.hashCode` over a schema's 1-2 KB cost as much
   * as the copy.
   */
  private record Blob(byte[] bytes, int hash) {
    Blob(byte[] bytes) {
      this(bytes, crc32c(bytes));
    }

    private static int crc32c(byte[] bytes) {
      CRC32C checksum = new CRC32C();
      checksum.update(bytes);
      return (int) checksum.getValue();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Blob blob && blob.hash == hash && Arrays.equals(blob.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** How `unshared` copies one of DynamoDB Local's two classes a schema is made of: its empty constructor and its fields. */
  private record Shape(Constructor<?> empty, Field[] fields) {
    static Shape of(Class<?> type) {
      try {
        List<Field> fields = new ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers())) continue;
          field.setAccessible(true);
          fields.add(field);
        }
        return new Shape(type.getDeclaredConstructor(), fields.toArray(Field[]::new));
      } catch (NoSuchMethodException noEmptyConstructor) {
        throw new UnsupportedOperationException(type.getName() + " has no empty constructor");
      }
    }
  }

  private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();

  /**
   * A copy of a parsed schema that shares nothing DynamoDB Local can change: its own two classes and
   * every list, set and map are new; strings, enums, numbers and the AWS SDK's model objects (which
   * are immutable) are shared. An object the schema holds twice is copied once, so the copy is
   * shaped as the parse was.
   */
  static Object unshared(Object value) throws ReflectiveOperationException {
    return unshared(value, new IdentityHashMap<>());
  }

  private static Object unshared(Object value, Map<Object, Object> copies) throws ReflectiveOperationException {
    if (value == null || value instanceof String || value instanceof Enum<?> || value instanceof Number || value instanceof Boolean || value instanceof SdkPojo) return value;
    Object known = copies.get(value);
    if (known != null) return known;
    if (value instanceof List<?> list) {
      List<Object> copied = new ArrayList<>(list.size());
      copies.put(value, copied);
      for (Object element : list) copied.add(unshared(element, copies));
      return copied;
    }
    if (value instanceof Set<?> set) {
      Set<Object> copied = new LinkedHashSet<>();
      copies.put(value, copied);
      for (Object element : set) copied.add(unshared(element, copies));
      return copied;
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copied = new LinkedHashMap<>();
      copies.put(value, copied);
      for (Map.Entry<?, ?> entry : map.entrySet()) copied.put(unshared(entry.getKey(), copies), unshared(entry.getValue(), copies));
      return copied;
    }
    Class<?> type = value.getClass();
    if (type != TableSchemaInfo.class && type != SQLiteIndexElement.class) throw new UnsupportedOperationException("a schema holds a " + type.getName());
    Shape shape = SHAPES.computeIfAbsent(type, Shape::of);
    Object copied = shape.empty().newInstance();
    copies.put(value, copied);
    for (Field field : shape.fields()) field.set(copied, unshared(field.get(value), copies));
    return copied;
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
