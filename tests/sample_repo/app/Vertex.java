import com.google.cloud.vertexai.VertexAI;
import com.google.cloud.vertexai.generativeai.GenerativeModel;

public class Vertex {
    static final String GEMINI = "gemini-2.5-pro";
    static final String CLAUDE = "claude-3-5-sonnet@20240620";
}
